// Who may raise alerts: functions publish to the stage's topic with their role (and read the
// console's URL for links); EventBridge rules and CloudWatch alarms publish as services, which the
// topic's own policy lets them do for this account only.
import { arnIn, type Place, type Statement } from "../util/iam";

/** Linked by every function that notifies. */
export function alertsStatements(a: {
  topicArn: string;
  consoleUrlParameterArn: string;
}): Statement[] {
  return [
    { actions: ["sns:Publish"], resources: [a.topicArn] },
    { actions: ["ssm:GetParameter"], resources: [a.consoleUrlParameterArn] },
  ];
}

/** The topic's resource policy: EventBridge rules and CloudWatch alarms of this account publish. */
export function alertTopicPolicy(a: Place & { topicArn: string }) {
  return {
    Version: "2012-10-17" as const,
    Statement: [
      {
        Sid: "EventBridgeRulesPublish",
        Effect: "Allow" as const,
        Principal: { Service: "events.amazonaws.com" },
        Action: "sns:Publish",
        Resource: a.topicArn,
        Condition: { StringEquals: { "aws:SourceAccount": a.account } },
      },
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow" as const,
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: a.topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": a.account },
          ArnLike: { "aws:SourceArn": arnIn(a, "cloudwatch", "alarm:*") },
        },
      },
    ],
  };
}
