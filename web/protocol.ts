// Messages between the page and the fitting worker. Everything crosses by structured clone.
import type { FitJSON } from "../src/report/json.js";
import type { PlotSpec } from "../src/report/plots/spec.js";

export type DataSource = { kind: "url"; url: string; name: string } | { kind: "text"; text: string; name: string };

/** `--covariance GROUP=phylo:FILE` or `matrix:FILE`, with the file's text */
export interface CovarianceRequest {
  readonly group: string;
  readonly kind: "phylo" | "matrix";
  readonly name: string;
  readonly text: string;
}

export interface FitRequest {
  readonly formula: string;
  readonly family: string;
  readonly link?: string;
  readonly reml: boolean;
  readonly nAGQ: number;
  readonly covariance?: CovarianceRequest;
}

/** Marginal means of the last fit: one factor, on the link or the response scale, pairwise contrasts. */
export interface EmmeansRequest {
  readonly spec: string;
  readonly type: "link" | "response";
}

export type ToWorker =
  | { type: "load"; id: number; source: DataSource }
  | { type: "fit"; id: number; request: FitRequest }
  | { type: "emmeans"; id: number; request: EmmeansRequest };

export interface ColumnInfo {
  readonly name: string;
  readonly kind: "numeric" | "text";
  /** distinct values (text) or null */
  readonly levels: number | null;
  readonly missing: number;
}

export type Stage = "reading" | "building" | "fitting" | "summarizing";

export interface FitOutput {
  readonly json: FitJSON;
  readonly summary: string;
  readonly plots: Record<string, PlotSpec>;
  readonly files: Record<string, string>;
  readonly seconds: number;
  /** fixed-effect factors the marginal means can be asked for (empty for a model without random effects) */
  readonly emmFactors: string[];
  /** whether the link is not the identity (a response scale to offer) */
  readonly nonIdentityLink: boolean;
}

/** The marginal means' plots (means; contrasts when the factor has two levels or more) and their tables as CSV. */
export interface EmmeansOutput {
  readonly plots: Record<string, PlotSpec>;
  readonly files: Record<string, string>;
  /** e.g. "Tukey-adjusted pairwise ratios on the response scale, df asymptotic" */
  readonly note: string;
  readonly warnings: string[];
}

export type FromWorker =
  | { type: "loaded"; id: number; name: string; nrow: number; columns: ColumnInfo[] }
  | { type: "progress"; id: number; stage: Stage; optimizer?: string; evaluations?: number; objective?: number }
  | { type: "fitted"; id: number; output: FitOutput }
  | { type: "emmeans"; id: number; output: EmmeansOutput }
  | { type: "error"; id: number; message: string; formulaPosition?: number };
