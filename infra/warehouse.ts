// The warehouse: Redshift Serverless in the stage's VPC. The admin password is generated and kept
// (and rotated) by Redshift in Secrets Manager; the functions and the Glue job use it through the
// Data API. The namespace's IAM role is what COPY reads the staged files and UNLOAD writes rejected
// rows and the segmentation's features with: on the lake bucket only, on those prefixes only.
import {
  warehouseCopyRoleStatements,
  warehouseDataApiStatements,
} from "../packages/core/src/warehouse/iam";
import { grants, linkable, serviceRole } from "./iam";
import { vpc } from "./network";
import { stageSettings } from "./stage";
import { bucket } from "./storage";

const name = `${$app.name}-${$app.stage}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");

/** Assumed by Redshift for COPY FROM s3://…/staging/, UNLOAD TO s3://…/rejects/ and ml/features/. */
export const copyRole = serviceRole("WarehouseCopyRole", {
  service: ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"],
  description:
    "Redshift COPY/UNLOAD on the data lake's staging/, rejects/ and ml/features/ prefixes",
  policyName: "lake-staging-and-rejects",
  statements: grants(warehouseCopyRoleStatements, { bucketArn: bucket.arn }),
});

export const namespace = new aws.redshiftserverless.Namespace("WarehouseNamespace", {
  namespaceName: name,
  dbName: "cdp",
  adminUsername: "cdp_admin",
  manageAdminPassword: true,
  iamRoles: [copyRole.arn],
  defaultIamRoleArn: copyRole.arn,
  logExports: ["userlog", "connectionlog", "useractivitylog"],
});

/**
 * The workgroup's network interfaces: SQL clients (port 5439) from inside the stage's VPC only,
 * e.g. a bastion or `sst tunnel`. The Data API, which everything of ours uses, needs no rule, and
 * COPY/UNLOAD reach S3 outside the VPC (enhanced VPC routing is off).
 */
const securityGroup = new aws.ec2.SecurityGroup("WarehouseSecurityGroup", {
  description: "CDP warehouse: Redshift (5439) from inside the stage's VPC only",
  vpcId: vpc.id,
  ingress: [
    {
      protocol: "tcp",
      fromPort: 5439,
      toPort: 5439,
      cidrBlocks: [vpc.nodes.vpc.cidrBlock],
      description: "Redshift from the VPC",
    },
  ],
  egress: [
    {
      protocol: "-1",
      fromPort: 0,
      toPort: 0,
      cidrBlocks: [vpc.nodes.vpc.cidrBlock],
      description: "Within the VPC only",
    },
  ],
});

export const workgroup = new aws.redshiftserverless.Workgroup("WarehouseWorkgroup", {
  namespaceName: namespace.namespaceName,
  workgroupName: name,
  baseCapacity: stageSettings($app.stage).warehouse.baseRpu,
  maxCapacity: stageSettings($app.stage).warehouse.maxRpu,
  publiclyAccessible: false,
  enhancedVpcRouting: false,
  // Its own VPC's private subnets, one per AZ (three: infra/network.ts), not the default VPC.
  subnetIds: vpc.privateSubnets,
  securityGroupIds: [securityGroup.id],
});

/** Linked by functions as Resource.Warehouse: Data API access to this workgroup, nothing else. */
export const warehouse = linkable(
  "Warehouse",
  {
    workgroup: workgroup.workgroupName,
    database: namespace.dbName,
    secretArn: namespace.adminPasswordSecretArn,
    copyRoleArn: copyRole.arn,
  },
  grants(warehouseDataApiStatements, {
    workgroupArn: workgroup.arn,
    secretArn: namespace.adminPasswordSecretArn,
  }),
);
