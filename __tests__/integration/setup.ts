// Some integration tests run Terraform themselves (the harness's self-test); plans of the shipped stacks run once in
// globalSetup. A hung provider call still fails: the harness kills terraform after its own time limit.
jest.setTimeout(600_000);
