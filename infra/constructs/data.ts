import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableDefinition } from '../../shared/data/table';
import { isEphemeralStage, removalPolicyFor, resourceName } from './stage';

export interface DataProps {
  stage: string;
}

/** The platform's single DynamoDB table, built from `tableDefinition` (the local runtime reads the same one). */
export class Data extends Construct {
  readonly table: TableV2;
  /** ARN of the due index, for Query grants on that index alone (no `index/*` wildcard). */
  readonly dueIndexArn: string;
  /** ARN of the lookup index, for Query grants on that index alone. */
  readonly lookupIndexArn: string;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const { partitionKey, sortKey, lookupIndex, dueIndex, ttlAttribute, streamView } = tableDefinition;
    const key = (name: string) => ({ name, type: AttributeType.STRING });
    const indexes = [lookupIndex, dueIndex];

    this.table = new TableV2(this, 'Table', {
      tableName: resourceName(props.stage),
      partitionKey: key(partitionKey),
      sortKey: key(sortKey),
      globalSecondaryIndexes: indexes.map((index) => ({
        indexName: index.name,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
        projectionType: ProjectionType.ALL,
      })),
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: ttlAttribute,
      dynamoStream: StreamViewType[streamView],
      deletionProtection: !isEphemeralStage(props.stage),
      removalPolicy: removalPolicyFor(props.stage),
    });
    this.dueIndexArn = `${this.table.tableArn}/index/${dueIndex.name}`;
    this.lookupIndexArn = `${this.table.tableArn}/index/${lookupIndex.name}`;
  }
}
