import { beforeAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.js';

let template: Template;

beforeAll(() => {
  // Skip esbuild bundling: assets do not matter to these assertions and bundling is slow.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(buildApp(app).stack);
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type Resource = { Type: string; Properties: Record<string, unknown> };

function statementsOfFunction(name: string): Statement[] {
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
  const matching = functions.filter((f) => f.Properties.FunctionName === `cachegate-${name}`);
  expect(matching).toHaveLength(1);
  const role = JSON.stringify((matching[0]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => JSON.stringify(r.Ref) === role))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());
const keyLogicalId = () => Object.keys(template.findResources('AWS::KMS::Key'))[0]!;

describe('CertificateAuthority construct', () => {
  it('creates an RSA_2048 SIGN_VERIFY key in KMS, retained', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
      DeletionPolicy: 'Retain',
    });
  });

  it('creates the certificates table keyed by pk, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('lets only the issuing Lambda sign, with kms:Sign and kms:GetPublicKey on that key', () => {
    const issue = statementsOfFunction('issue-client-certificate');
    const kms = issue.filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:')));
    expect(kms).toEqual([
      expect.objectContaining({
        Action: ['kms:Sign', 'kms:GetPublicKey'],
        Resource: { 'Fn::GetAtt': [keyLogicalId(), 'Arn'] },
      }),
    ]);
    for (const name of [
      'validate-certificate-request',
      'record-issued-certificate',
      'release-certificate-reservation',
      'publish-certificate-issued',
    ]) {
      expect(actionsOf(statementsOfFunction(name)).filter((a) => a.startsWith('kms:'))).toEqual([]);
    }
  });

  it('lets the release step write the certificates table and nothing else of the CA', () => {
    const actions = actionsOf(statementsOfFunction('release-certificate-reservation'));
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem']),
    );
    expect(actions.filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('xray:'))).toEqual([]);
  });

  it('in the stack, wires this CA into the CRL workflows: only issue-client-certificate, publish-crl and reimport-server-certificate may sign', () => {
    const signers = (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes(`"${keyLogicalId()}"`))
      .flatMap((p) => (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref));
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
    const names = functions
      .filter((f) => signers.includes((f.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!))
      .map((f) => f.Properties.FunctionName);
    expect(names.sort()).toEqual([
      'cachegate-issue-client-certificate',
      'cachegate-publish-crl',
      'cachegate-reimport-server-certificate',
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-publish-crl',
      Environment: {
        Variables: Match.objectLike({
          CA_KMS_KEY_ARN: { 'Fn::GetAtt': [keyLogicalId(), 'Arn'] },
          CA_CERT_SECRET_ARN: Match.anyValue(),
          CERTIFICATES_TABLE: Match.anyValue(),
        }),
      },
    });
  });

  it('scopes client key secrets to cachegate/vpn-client/*', () => {
    const secrets = statementsOfFunction('issue-client-certificate').filter((s) =>
      actionsOf([s]).includes('secretsmanager:CreateSecret'),
    );
    expect(secrets).toHaveLength(1);
    expect(JSON.stringify(secrets[0]!.Resource)).toMatch(/:secret:cachegate\/vpn-client\/\*"/);
    expect(actionsOf(statementsOfFunction('record-issued-certificate'))).not.toContain(
      'secretsmanager:CreateSecret',
    );
  });

  it('gives the issue-certificate Lambdas the CA configuration, and the state machine its name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-issue-client-certificate',
      Environment: {
        Variables: Match.objectLike({
          CA_KMS_KEY_ARN: { 'Fn::GetAtt': [keyLogicalId(), 'Arn'] },
          CA_CERT_SECRET_ARN: Match.anyValue(),
          CERTIFICATES_TABLE: Match.anyValue(),
        }),
      },
    });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'cachegate-issue-certificate',
    });
  });
});

describe('outputs operators read after the first deploy', () => {
  it.each([
    ['CaKmsKeyArn', 'AWS::KMS::Key', 'Fn::GetAtt'],
    ['CaCertificateSecretArn', 'AWS::SecretsManager::Secret', 'Ref'],
    ['CertificatesTableName', 'AWS::DynamoDB::Table', 'Ref'],
    ['AccessRequestsTableName', 'AWS::DynamoDB::Table', 'Ref'],
  ])('%s references a %s', (id, type, intrinsic) => {
    const output = template.findOutputs(id)[id] as { Value: Record<string, unknown> } | undefined;
    expect(output).toBeDefined();
    const ref = output!.Value[intrinsic] as string | string[];
    const logicalId = [ref].flat()[0]!;
    expect(Object.keys(template.findResources(type))).toContain(logicalId);
  });

  it('names the onboarding API URL', () => {
    expect(Object.keys(template.findOutputs('OnboardingApiUrl'))).toEqual(['OnboardingApiUrl']);
  });
});
