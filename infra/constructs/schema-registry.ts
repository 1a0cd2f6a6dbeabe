import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { detailTypes, EVENT_SOURCE, eventJsonSchema } from '../../shared/events/catalogue';
import { resourceName } from './stage';

export interface EventSchemaRegistryProps {
  stage: string;
}

/**
 * Publishes the event catalogue to an EventBridge schema registry (JSON Schema draft 4), so consumers in any
 * language can generate bindings. Schema names follow EventBridge's discovered-schema style `source@DetailType`.
 */
export class EventSchemaRegistry extends Construct {
  readonly registry: CfnRegistry;

  constructor(scope: Construct, id: string, props: EventSchemaRegistryProps) {
    super(scope, id);
    this.registry = new CfnRegistry(this, 'Registry', {
      registryName: resourceName(props.stage),
      description: 'kindred event catalogue (generated from shared/events/catalogue.ts)',
    });
    for (const detailType of detailTypes) {
      new CfnSchema(this, detailType, {
        registryName: this.registry.attrRegistryName,
        schemaName: `${EVENT_SOURCE}@${detailType}`,
        type: 'JSONSchemaDraft4',
        content: JSON.stringify(eventJsonSchema(detailType)),
      });
    }
  }
}
