import { clusterAutoscalerStatements, ebsVolumeKeyStatements, loadBalancerControllerStatements } from "../../../constructs/iam/controller-policies";
import { PolicyStatement } from "../../../constructs/iam/policy-document";
import { ACCOUNT } from "../../support/cluster-fixtures";
import { testStack } from "../../support/environments";

const actionsOf = (statement: PolicyStatement) => [statement.Action].flat();
const withAction = (statements: PolicyStatement[], pattern: RegExp) =>
  statements.filter((statement) => actionsOf(statement).some((action) => pattern.test(action)));

describe("Cluster Autoscaler policy", () => {
  const statements = clusterAutoscalerStatements(testStack(ACCOUNT), "shop-test");

  it("may only resize or shrink the Auto Scaling groups tagged as owned by its cluster", () => {
    const scaling = withAction(statements, /^autoscaling:(SetDesiredCapacity|TerminateInstanceInAutoScalingGroup)$/);
    expect(scaling).toHaveLength(1);
    expect(scaling[0].Condition).toEqual({ StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/shop-test": "owned" } });
  });

  it("reads only its own cluster's node groups", () => {
    const [nodegroupRead] = withAction(statements, /^eks:DescribeNodegroup$/);
    expect(nodegroupRead.Resource).toBe("arn:aws:eks:eu-central-1:123456789012:nodegroup/shop-test/*/*");
  });

  it("has no write action on every resource without a condition", () => {
    const unconditioned = statements.filter((statement) => statement.Resource === "*" && !statement.Condition);
    for (const statement of unconditioned) {
      for (const action of actionsOf(statement)) expect(action).toMatch(/:(Describe|Get)/);
    }
  });
});

describe("AWS Load Balancer Controller policy", () => {
  const statements = loadBalancerControllerStatements(testStack(ACCOUNT), "shop-test");

  it("may only delete or modify load balancers, target groups and security groups tagged for its own cluster", () => {
    const destructive = withAction(
      statements,
      /^(elasticloadbalancing:(DeleteLoadBalancer|DeleteTargetGroup|ModifyLoadBalancerAttributes|SetSecurityGroups)|ec2:DeleteSecurityGroup)$/,
    );
    expect(destructive.length).toBeGreaterThan(0);
    for (const statement of destructive) {
      expect(statement.Condition).toEqual({ StringEquals: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "shop-test" } });
    }
  });

  it("may only create load balancers and target groups that carry its cluster tag", () => {
    const [create] = withAction(statements, /^elasticloadbalancing:CreateLoadBalancer$/);
    expect(create.Condition).toEqual({ StringEquals: { "aws:RequestTag/elbv2.k8s.aws/cluster": "shop-test" } });
  });

  it("may create only the Elastic Load Balancing service-linked role", () => {
    const [linkedRole] = withAction(statements, /^iam:CreateServiceLinkedRole$/);
    expect(linkedRole.Condition).toEqual({ StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } });
  });

  it("scopes security group changes to this account and region", () => {
    for (const statement of withAction(statements, /^ec2:(Authorize|Revoke)SecurityGroupIngress$/)) {
      expect([statement.Resource].flat()).toEqual(["arn:aws:ec2:eu-central-1:123456789012:security-group/*"]);
    }
  });
});

describe("EBS volume key policy", () => {
  it("lets the driver create grants on the key only for AWS resources", () => {
    const [grants, use] = ebsVolumeKeyStatements("arn:aws:kms:eu-central-1:123456789012:key/abc");
    expect(grants).toMatchObject({ Resource: "arn:aws:kms:eu-central-1:123456789012:key/abc", Condition: { Bool: { "kms:GrantIsForAWSResource": true } } });
    expect(use.Resource).toBe("arn:aws:kms:eu-central-1:123456789012:key/abc");
  });
});
