import { z } from "./zod";

export const githubSchema = z
  .strictObject({
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be <owner>/<repository>, e.g. acme/webapp")
      .describe("The GitHub repository whose Actions deploy this environment."),
    environment: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,255}$/, "must be a GitHub environment name: letters, digits, '.', '_' and '-'")
      .optional()
      .describe("The GitHub environment of the deploy job; only its jobs can assume the deploy role. @default the environment's name"),
  })
  .optional()
  .describe("GitHub Actions deployment: the bootstrap stack creates a deploy role trusted by this repository and environment only.");
