import { AddOn, placement, resources } from "./add-on";
import { ARGOCD_NAMESPACE } from "./argo-cd";

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
export const argocdImageUpdater: AddOn<"argocdImageUpdater"> = {
  name: "argocdImageUpdater",
  releaseName: "argocd-image-updater",
  chart: { chart: "argocd-image-updater", repository: "https://argoproj.github.io/argo-helm", version: "1.2.4" },
  namespace: ARGOCD_NAMESPACE,
  podSecurity: { level: "restricted" },
  after: ["argoCd"],
  values(context) {
    const { accountId, region, partition } = context.account;
    const registry = `${accountId}.dkr.ecr.${region}.amazonaws.com`;
    const role = context.irsaRole("argocd-image-updater", [
      { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "ReadRepositories",
        Effect: "Allow",
        Action: ["ecr:BatchGetImage", "ecr:DescribeImages", "ecr:ListImages", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        Resource: `arn:${partition}:ecr:${region}:${accountId}:repository/*`,
      },
    ]);
    return {
      serviceAccount: { create: true, name: "argocd-image-updater", annotations: { "eks.amazonaws.com/role-arn": role.arn } },
      priorityClassName: "system-cluster-critical",
      ...placement(context, "system"),
      resources: resources("50m", "128Mi", "256Mi"),
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
