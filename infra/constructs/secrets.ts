import { Validations } from 'aws-cdk-lib';
import { type CfnSecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { removalPolicyFor } from './stage';

export interface TokenSecretProps {
  stage: string;
}

/** The key that signs and verifies the links kindred mails (verification, one-click actions). */
export class TokenSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: TokenSecretProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'kindred token-signing key (HMAC) for links in emails',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: removalPolicyFor(props.stage),
    });
    Validations.of(this.secret.node.defaultChild as CfnSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the signing key would invalidate every link already mailed until verification also accepts the AWSPREVIOUS version; key rotation with a dual-key verifier is a planned follow-up, not something a rotation Lambda can do alone.',
    });
  }
}
