// Before cdktf loads: no per-token stack traces, not even for the tokens cdktf creates while its modules load.
import "../../constructs/core/cdktf-traces";
import { Testing } from "cdktf";
// The matchers' type declarations (jest.Matchers) for the type-check; Testing.setupJest registers them at run time.
import "cdktf/lib/testing/adapters/jest";

// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, toBeValidTerraform, ...) to expect.
Testing.setupJest();
