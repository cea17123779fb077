// The stage's network: one VPC shared by everything that needs one (the ops store's Aurora
// cluster, the warehouse's Redshift Serverless workgroup), so no deploy relies on the account's
// default VPC. Three Availability Zones: a Redshift Serverless workgroup needs subnets in at least
// three (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-known-issues.html). No NAT:
// nothing in it calls out to the internet (functions reach both stores through their Data APIs).
export const vpc = new sst.aws.Vpc("Vpc", { az: 3 });
