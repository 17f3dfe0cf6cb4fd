import { formatArn } from "../core/aws-scope";
import { WorkloadRole } from "../iam/workload-role";
import { AddOn, placement, containerResources } from "./add-on";
import { argoHelmChart, ARGOCD_HOME } from "./argo-cd";

const ECR_LOGIN_SCRIPT = "ecr-login.sh";
/**
 * The chart runs the container with a read-only root filesystem, so the AWS CLI of the login script cannot write its
 * cache under the image's home (`/app/.aws`) and fails (argocd-image-updater#720): HOME points at an emptyDir.
 */
const WRITABLE_HOME = "/tmp/home";

/**
 * Argo CD Image Updater: follows new image tags in this account's ECR and updates Argo CD applications. It logs in
 * to ECR with a token from its IRSA role (read-only on the account's repositories), refreshed before it expires.
 */
export const argocdImageUpdater: AddOn<"argocdImageUpdater", WorkloadRole> = {
  name: "argocdImageUpdater",
  releaseName: "argocd-image-updater",
  chart: argoHelmChart("argocd-image-updater", "1.2.4"),
  ...ARGOCD_HOME,
  after: ["argoCd"],
  resources(context) {
    return context.irsaRole("argocd-image-updater", [
      { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "ReadRepositories",
        Effect: "Allow",
        Action: ["ecr:BatchGetImage", "ecr:DescribeImages", "ecr:ListImages", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        Resource: formatArn(context.scope, { service: "ecr", resource: "repository/*" }),
      },
    ]);
  },
  values(context, role) {
    const { accountId, region } = context.location;
    const registry = `${accountId}.dkr.ecr.${region}.amazonaws.com`;
    return {
      serviceAccount: { create: true, name: "argocd-image-updater", annotations: role.serviceAccountAnnotations },
      priorityClassName: "system-cluster-critical",
      ...placement(context, "system"),
      resources: containerResources("50m", "128Mi", "256Mi"),
      extraEnv: [{ name: "HOME", value: WRITABLE_HOME }],
      volumes: [{ name: "home", emptyDir: { sizeLimit: "16Mi" } }],
      volumeMounts: [{ name: "home", mountPath: WRITABLE_HOME }],
      authScripts: {
        enabled: true,
        scripts: {
          [ECR_LOGIN_SCRIPT]: [
            "#!/bin/sh",
            `aws ecr --region ${region} get-authorization-token --output text --query 'authorizationData[].authorizationToken' | base64 -d`,
            "",
          ].join("\n"),
        },
      },
      config: {
        registries: [
          {
            name: "ECR",
            api_url: `https://${registry}`,
            prefix: registry,
            ping: true,
            default: true,
            credentials: `ext:/scripts/${ECR_LOGIN_SCRIPT}`,
            // ECR tokens live 12 hours; refresh before that.
            credsexpire: "10h",
          },
        ],
      },
    };
  },
};
