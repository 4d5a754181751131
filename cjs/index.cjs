// `require("glmm")`: the package is ESM only; say so instead of Node's "No exports main defined".
throw new Error('glmm is ESM only: use import (import { fit } from "glmm"), or await import("glmm") from CommonJS');
