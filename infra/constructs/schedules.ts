import { type CfnElement, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { cachegateFunction } from './cachegate-function.js';
import { stateMachineEnvVar } from '../../functions/core/api/workflow-arns.js';
import {
  schedulePeriodMinutes,
  type WorkflowScheduleConfig,
} from '../../functions/core/workflow-schedule.js';

export interface WorkflowSchedulesProps {
  logRetention: RetentionDays;
}

export interface ScheduledWorkflow {
  /** Convention name of the workflow (`rotate-all`): names the schedule and the ARN variable. */
  workflow: string;
  stateMachine: IStateMachine;
  schedule: WorkflowScheduleConfig;
  /** The workflow's input, the same for every period. */
  input: Record<string, unknown>;
  description: string;
  /**
   * For a workflow scheduled once per resource (rotate-auth-token per replication group): names
   * the schedule (`cachegate-<workflow>-<key>`, at most 64 characters) and ends the execution
   * name, so each resource gets its own run per period.
   */
  key?: string;
}

const STARTER = 'start-scheduled-workflow';

/**
 * The one way cachegate starts workflows on a schedule: an EventBridge Scheduler schedule per
 * workflow invokes `start-scheduled-workflow` with the scheduled time, and that Lambda starts
 * the workflow under an execution name derived from the scheduled period, so a repeated
 * delivery (Scheduler and Lambda both deliver at least once) starts no second run. The Lambda
 * may start only the workflows added here.
 */
export class WorkflowSchedules extends Construct {
  readonly starter: NodejsFunction;
  /** The role Scheduler assumes: it may invoke the starter, nothing else. */
  readonly schedulerRole: Role;
  readonly schedules: Record<string, Schedule> = {};

  constructor(scope: Construct, id: string, props: WorkflowSchedulesProps) {
    super(scope, id);
    this.starter = cachegateFunction(this, STARTER, {
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
    });

    const stack = Stack.of(this);
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      description: 'cachegate schedules: invoke start-scheduled-workflow',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });
    this.starter.grantInvoke(this.schedulerRole);
    Validations.of(this.schedulerRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.starter.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: 'CDK grants lambda:InvokeFunction on the starter and its versions (":*"), nothing else.',
    });
  }

  /** Schedules `workflow` and lets the starter start exactly that state machine. */
  add(scheduled: ScheduledWorkflow): Schedule {
    const id = scheduled.key ? `${scheduled.workflow}-${scheduled.key}` : scheduled.workflow;
    if (this.schedules[id]) throw new Error(`${id} is scheduled twice`);
    if (`cachegate-${id}`.length > 64)
      throw new Error(`schedule name cachegate-${id} is longer than 64 characters`);
    const { expression, timeZone } = scheduled.schedule;
    this.starter.addEnvironment(
      stateMachineEnvVar(scheduled.workflow),
      scheduled.stateMachine.stateMachineArn,
    );
    scheduled.stateMachine.grantStartExecution(this.starter);
    const schedule = new Schedule(this, id, {
      scheduleName: `cachegate-${id}`,
      description: scheduled.description,
      schedule: ScheduleExpression.expression(expression, TimeZone.of(timeZone)),
      target: new LambdaInvoke(this.starter, {
        role: this.schedulerRole,
        input: ScheduleTargetInput.fromObject({
          workflow: scheduled.workflow,
          scheduledTime: ContextAttribute.scheduledTime,
          periodMinutes: schedulePeriodMinutes(expression),
          ...(scheduled.key ? { key: scheduled.key } : {}),
          input: scheduled.input,
        }),
        // Retries are safe (the execution name is per period); give up once the period is stale.
        retryAttempts: 20,
        maxEventAge: Duration.hours(6),
      }),
    });
    this.schedules[id] = schedule;
    return schedule;
  }
}
