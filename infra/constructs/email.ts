import { CfnOutput, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ConfigurationSet, ConfigurationSetTlsPolicy, EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
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
   * SES authorises a send against the identity it resolves the From address to: the address identity when that
   * one is verified, else the address's domain. Both ARNs are granted; the `ses:FromAddress` condition pins
   * the address either way.
   */
  readonly identityArns: string[];

  constructor(scope: Construct, id: string, props: EmailProps) {
    super(scope, id);
    this.from = props.from;
    const stack = Stack.of(this);
    const fromDomain = props.from.slice(props.from.lastIndexOf('@') + 1);

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
    this.identityArns = [fromDomain, props.from].map((name) =>
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name }),
    );
  }

  /** ses:SendEmail / ses:SendRawEmail from the configured address only, with this configuration set. */
  sendStatement(): PolicyStatement {
    return new PolicyStatement({
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [...this.identityArns, this.configurationSetArn],
      conditions: { StringEquals: { 'ses:FromAddress': this.from } },
    });
  }
}
