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

export type ToWorker =
  | { type: "load"; id: number; source: DataSource }
  | { type: "fit"; id: number; request: FitRequest };

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
}

export type FromWorker =
  | { type: "loaded"; id: number; name: string; nrow: number; columns: ColumnInfo[] }
  | { type: "progress"; id: number; stage: Stage; optimizer?: string; evaluations?: number; objective?: number }
  | { type: "fitted"; id: number; output: FitOutput }
  | { type: "error"; id: number; message: string; formulaPosition?: number };
