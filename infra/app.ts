import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ComplyCubeWebhooksStack } from './complycube-webhooks-stack.js';
import { readAppContext } from './context.js';

const app = new App();
const context = readAppContext((key) => app.node.tryGetContext(key));

new ComplyCubeWebhooksStack(app, context.stackName, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  eventBusName: context.eventBusName,
  retentionDays: context.retentionDays,
  removalPolicy: context.destroyOnRemoval ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  memorySize: context.memorySize,
  exampleSubscriber: context.exampleSubscriber,
  compliancely: context.compliancely,
  compliancelySignatureVerification: context.compliancelySignatureVerification,
  alarmEmail: context.alarmEmail,
  connect: context.connect,
  connectApiKeySecret: context.connectApiKeySecret,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
