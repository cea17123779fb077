// Flow 4, Oracle → lake: AWS DMS replicates the stage's Oracle schemas — a full load, then every
// change — into the lake's dms/<SCHEMA>/<TABLE>/ as CSV, which the cdc pipeline applies to the
// warehouse (infra/cdc.ts). What DMS is told (S3 target, table mappings, task and Oracle settings)
// comes from packages/core/src/cdc/dms-settings.ts, where a test writes files as those settings
// make DMS write them and applies them; the roles' statements from cdc/dms-iam.ts. The Oracle side
// (supplemental logging, the DMS user's grants) and operating it: docs/oracle.md.
//
// Stage config, from the environment `sst deploy` runs in:
//   CDP_ORACLE_SCHEMAS=CRM,SALES.ORDERS   what to replicate (default CRM: all its tables)
//   CDP_ORACLE_REPLICATION=running        start it / keep it running (default stopped)
//   CDP_DMS_VPC_ROLE=existing             the account already has dms-vpc-role (below)
//
// DMS Serverless (a replication config), not a replication instance and task, because:
// - it takes an Oracle source and an S3 target (DMS User Guide, "AWS DMS Serverless components");
// - there is no instance class to size, patch or upgrade: DMS scales it between MIN_DCU and
//   MAX_DCU (a DCU is 2 GB of memory), up for the full load, down for the change stream;
// - it is one resource the deploy can start and stop (`startReplication`).
// Its costs and limits, and what would change our mind ("AWS DMS Serverless limitations"):
// - it bills the DCUs provisioned while it runs, and a running CDC replication never scales to
//   zero: about an always-on small instance. Stopped, it is deprovisioned after a while (and then
//   starts with a fresh capacity estimate, resuming from its checkpoint);
// - it cannot start CDC from a custom point (an SCN or a time). Full load and CDC start together
//   here, so none is needed; recovering from a lost checkpoint is a reload;
// - it reaches S3 and Secrets Manager only through VPC endpoints (made below: the VPC has no NAT).

import {
  replicationLakeStatements,
  replicationSecretStatements,
} from "../packages/core/src/cdc/dms-iam";
import {
  dmsReplicationSettings,
  dmsS3TargetSettings,
  dmsTableMappings,
  oracleConnectionSecret,
  oracleSourceSettings,
  replicationConfig,
} from "../packages/core/src/cdc/dms-settings";
import { trustPolicy } from "../packages/core/src/util/iam";
import { account, grants, region, serviceRole } from "./iam";
import { vpc } from "./network";
import {
  oracleDbHost,
  oracleDbPassword,
  oracleDbPort,
  oracleDbServiceName,
  oracleDbUser,
} from "./secrets";
import { stageSettings } from "./stage";
import { bucket } from "./storage";

const config = replicationConfig(process.env);

/** DCUs: the least a running replication holds, and what a full load may scale up to (per stage). */
const settings = stageSettings($app.stage);
const MIN_DCU = settings.dms.minDcu;
const MAX_DCU = settings.dms.maxDcu;

/** DMS identifiers: a letter first, then letters, digits and single hyphens, no hyphen last. */
const id = (suffix: string) =>
  `${$app.name}-${$app.stage}-${suffix}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-$/, "");

// ── The Oracle connection, in Secrets Manager ───────────────────────────────────────────────
// What the source endpoint reads (host, port, username, password; service_name too), made from
// the five stage secrets of infra/secrets.ts, so it is set in one place: `sst secret set`.

export const oracleSecret = new aws.secretsmanager.Secret("OracleConnection", {
  description: `CDP ${$app.stage}: the Oracle database AWS DMS replicates (set with sst secret set OracleDb…)`,
  recoveryWindowInDays: settings.secretRecoveryDays,
});

new aws.secretsmanager.SecretVersion("OracleConnectionValue", {
  secretId: oracleSecret.id,
  secretString: $resolve([
    oracleDbHost.value,
    oracleDbPort.value,
    oracleDbServiceName.value,
    oracleDbUser.value,
    oracleDbPassword.value,
  ]).apply(([host, port, service_name, username, password]) =>
    oracleConnectionSecret({ host, port, service_name, username, password }),
  ),
});

// ── The roles DMS assumes ───────────────────────────────────────────────────────────────────

/** The S3 target writes dms/ with it. */
const lakeRole = serviceRole("ReplicationLakeRole", {
  service: "dms.amazonaws.com",
  description: "AWS DMS writes the Oracle replication's files under the data lake's dms/",
  policyName: "lake-dms-prefix",
  statements: grants(replicationLakeStatements, { bucketArn: bucket.arn }),
});

/** The source endpoint reads the connection secret with it (trusting DMS's regional principal, as the DMS guide's secret access role does). */
const secretRole = serviceRole("ReplicationSecretRole", {
  service: ["dms.amazonaws.com", $interpolate`dms.${region}.amazonaws.com`],
  description: "AWS DMS reads the Oracle connection secret",
  policyName: "oracle-connection-secret",
  statements: grants(replicationSecretStatements, { secretArn: oracleSecret.arn }),
});

// `dms-vpc-role` is account-wide: DMS looks for an IAM role of exactly that name (with the managed
// AmazonDMSVPCManagementRole policy) to manage the network interfaces of every replication in the
// account, and a replication subnet group cannot be made without it. One account has one: the
// first stage deployed makes it and keeps it when removed (others may use it); every other stage,
// or an account where the DMS console already made it, deploys with CDP_DMS_VPC_ROLE=existing.
const vpcRolePolicy = config.createVpcRole
  ? new aws.iam.RolePolicyAttachment(
      "DmsVpcRolePolicy",
      {
        role: new aws.iam.Role(
          "DmsVpcRole",
          {
            name: "dms-vpc-role",
            description: "AWS DMS manages VPC network interfaces (account-wide; made by CDP)",
            assumeRolePolicy: JSON.stringify(trustPolicy("dms.amazonaws.com")),
          },
          { retainOnDelete: true },
        ).name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole",
      },
      { retainOnDelete: true },
    )
  : undefined;

// ── Network: the VPC's private subnets, and a way out to S3 and Secrets Manager ─────────────

const s3Gateway = new aws.ec2.VpcEndpoint("LakeS3Gateway", {
  vpcId: vpc.id,
  serviceName: $interpolate`com.amazonaws.${region}.s3`,
  vpcEndpointType: "Gateway",
  routeTableIds: vpc.nodes.privateRouteTables.apply((tables) => tables.map((t) => t.id)),
});

/**
 * The replication's network interfaces: nothing in; out to the Oracle listener (reached through
 * whatever joins the VPC to the database: peering, VPN, Direct Connect — docs/oracle.md), to S3
 * through the gateway and to Secrets Manager through its endpoint.
 */
const securityGroup = new aws.ec2.SecurityGroup("ReplicationSecurityGroup", {
  description: "CDP replication (AWS DMS): out to Oracle, S3 and Secrets Manager; nothing in",
  vpcId: vpc.id,
  egress: [
    {
      protocol: "tcp",
      fromPort: oracleDbPort.value.apply(Number),
      toPort: oracleDbPort.value.apply(Number),
      cidrBlocks: ["0.0.0.0/0"],
      description: "The Oracle listener",
    },
    {
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      prefixListIds: [s3Gateway.prefixListId],
      description: "S3 through the gateway endpoint",
    },
    {
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrBlocks: [vpc.nodes.vpc.cidrBlock],
      description: "Secrets Manager through its VPC endpoint",
    },
  ],
});

const secretsEndpoint = new aws.ec2.VpcEndpoint("SecretsManagerEndpoint", {
  vpcId: vpc.id,
  serviceName: $interpolate`com.amazonaws.${region}.secretsmanager`,
  vpcEndpointType: "Interface",
  privateDnsEnabled: true,
  subnetIds: vpc.privateSubnets,
  securityGroupIds: [
    new aws.ec2.SecurityGroup("SecretsManagerEndpointSecurityGroup", {
      description: "CDP: Secrets Manager's VPC endpoint, for the replication only",
      vpcId: vpc.id,
      ingress: [
        {
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          securityGroups: [securityGroup.id],
          description: "HTTPS from the replication",
        },
      ],
    }).id,
  ],
});

const subnetGroup = new aws.dms.ReplicationSubnetGroup(
  "ReplicationSubnets",
  {
    replicationSubnetGroupId: id("replication"),
    replicationSubnetGroupDescription: `CDP ${$app.stage}: the stage VPC's private subnets`,
    subnetIds: vpc.privateSubnets,
  },
  { dependsOn: vpcRolePolicy ? [vpcRolePolicy] : [] },
);

// ── The endpoints and the replication ───────────────────────────────────────────────────────

const source = new aws.dms.Endpoint("OracleSource", {
  endpointId: id("oracle-source"),
  endpointType: "source",
  engineName: "oracle",
  // The service name; host, port, user and password come from the secret.
  databaseName: oracleDbServiceName.value,
  secretsManagerArn: oracleSecret.arn,
  secretsManagerAccessRoleArn: secretRole.arn,
  oracleSettings: oracleSourceSettings(),
});

const target = new aws.dms.S3Endpoint("LakeTarget", {
  endpointId: id("lake-target"),
  endpointType: "target",
  bucketName: bucket.name,
  expectedBucketOwner: account,
  serviceAccessRoleArn: lakeRole.arn,
  ...dmsS3TargetSettings(),
});

export const replication = new aws.dms.ReplicationConfig(
  "OracleReplication",
  {
    replicationConfigIdentifier: id("oracle"),
    resourceIdentifier: id("oracle"),
    replicationType: "full-load-and-cdc",
    sourceEndpointArn: source.endpointArn,
    targetEndpointArn: target.endpointArn,
    tableMappings: JSON.stringify(dmsTableMappings(config.selection)),
    replicationSettings: JSON.stringify(dmsReplicationSettings()),
    // A change of the settings above stops the replication to apply it; it starts again only
    // if this says so (first start: a full load; later: it resumes where it stopped).
    startReplication: config.running,
    computeConfig: {
      replicationSubnetGroupId: subnetGroup.replicationSubnetGroupId,
      vpcSecurityGroupIds: [securityGroup.id],
      minCapacityUnits: MIN_DCU,
      maxCapacityUnits: MAX_DCU,
      // A standby in another zone, as DMS recommends for ongoing replication (production).
      multiAz: settings.dms.multiAz,
    },
  },
  { dependsOn: [s3Gateway, secretsEndpoint] },
);

export const outputs = {
  oracleReplication: replication.arn,
  oracleConnectionSecret: oracleSecret.arn,
};
