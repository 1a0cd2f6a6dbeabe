import { CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ConfigurationSet, ConfigurationSetTlsPolicy, EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import { Construct, type IConstruct } from 'constructs';
import { resourceName } from './stage';

export interface EmailProps {
  stage: string;
  /** The From address of every email, e.g. `no-reply@example.org`. */
  from: string;
  /** When given, the stack creates (and DKIM-signs) the SES domain identity; else it must exist already. */
  domain?: string;
}

/** SES sending setup: a configuration set (reputation metrics, TLS required) and the sending identity. */
export class Email extends Construct {
  readonly from: string;
  readonly configurationSet: ConfigurationSet;
  readonly configurationSetArn: string;
  /**
   * Every SES identity of the account and region. SES authorises a send against the identity of the From
   * address (the address identity when verified, else its domain) and, while the account is in the SES sandbox
   * (every new account and region), also against the identity of each recipient; a grant on the sender's
   * identities alone fails there with AccessDenied on `identity/<recipient>`. The `ses:FromAddress`
   * condition of `sendStatement` pins the sender instead.
   */
  readonly identitiesArn: string;

  constructor(scope: Construct, id: string, props: EmailProps) {
    super(scope, id);
    this.from = props.from;
    const stack = Stack.of(this);

    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: resourceName(props.stage),
      reputationMetrics: true,
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
    });
    this.configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    if (props.domain) {
      const identity = new EmailIdentity(this, 'DomainIdentity', {
        identity: Identity.domain(props.domain),
        configurationSet: this.configurationSet,
      });
      identity.dkimRecords.forEach((record, index) => {
        new CfnOutput(this, `DkimRecord${index + 1}`, {
          description: `DNS CNAME record ${index + 1} of 3 that verifies ${props.domain} for SES (Easy DKIM)`,
          value: `${record.name} CNAME ${record.value}`,
        });
      });
    }
    this.identitiesArn = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
  }

  /**
   * ses:SendEmail / ses:SendRawEmail from the configured address only, with this configuration set. The
   * policy holding it must be passed to `acknowledgeSendGrant` (its identity resource is a wildcard).
   */
  sendStatement(): PolicyStatement {
    return new PolicyStatement({
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [this.identitiesArn, this.configurationSetArn],
      conditions: { StringEquals: { 'ses:FromAddress': this.from } },
    });
  }

  /** Acknowledges cdk-nag's IAM5 finding for the `identity/*` resource of `sendStatement` on a policy. */
  acknowledgeSendGrant(policy: IConstruct): void {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenArn(Stack.of(this).resolve(this.identitiesArn))}]`,
      reason:
        'In the SES sandbox SES also authorises each send against the recipient\u2019s identity, so the grant names every identity of this account and region (identity/*) rather than the sender\u2019s; the ses:FromAddress condition pins the From address to the configured one, and the configuration set is named.',
    });
  }
}

/** A resolved ARN as cdk-nag renders it in finding ids: `{ Ref: X }` becomes `<X>`, joins are joined. */
const flattenArn = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const expression = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
  if (typeof expression?.Ref === 'string') return `<${expression.Ref}>`;
  const join = expression?.['Fn::Join'];
  if (join) return join[1].map(flattenArn).join(join[0]);
  throw new Error(`Unexpected ARN expression: ${JSON.stringify(value)}`);
};
