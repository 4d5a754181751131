// Data sets bundled with the playground (copies of test/fixtures/data, fetched only when chosen),
// each with a model that the test suite checks against lme4 / glmmTMB.
import sleepstudy from "../test/fixtures/data/sleepstudy.csv?url";
import penicillin from "../test/fixtures/data/penicillin.csv?url";
import pastes from "../test/fixtures/data/pastes.csv?url";
import insteval from "../test/fixtures/data/insteval.csv?url";
import cbpp from "../test/fixtures/data/cbpp.csv?url";
import grouseticks from "../test/fixtures/data/grouseticks.csv?url";
import owls from "../test/fixtures/data/owls.csv?url";
import salamanders from "../test/fixtures/data/salamanders.csv?url";
import verbagg from "../test/fixtures/data/verbagg.csv?url";
import ohio from "../test/fixtures/data/ohio.csv?url";
import counselling from "../test/fixtures/data/counselling.csv?url";
import strains from "../test/fixtures/data/strains.csv?url";
import strainsTree from "../test/fixtures/data/strains.nwk?url";

export interface Dataset {
  readonly name: string;
  readonly file: string;
  readonly url: string;
  readonly formula: string;
  readonly family: string;
  readonly reml?: boolean;
  readonly about: string;
  /** a known covariance that comes with the data (a tree for a grouping factor) */
  readonly covariance?: { readonly group: string; readonly kind: "phylo" | "matrix"; readonly file: string; readonly url: string };
}

export const DATASETS: readonly Dataset[] = [
  { name: "sleepstudy", file: "sleepstudy.csv", url: sleepstudy, formula: "Reaction ~ Days + (Days | Subject)", family: "gaussian", about: "reaction times under sleep deprivation, 18 subjects × 10 days" },
  { name: "Penicillin", file: "penicillin.csv", url: penicillin, formula: "diameter ~ 1 + (1 | plate) + (1 | sample)", family: "gaussian", about: "crossed random effects: 24 plates × 6 samples" },
  { name: "Pastes", file: "pastes.csv", url: pastes, formula: "strength ~ 1 + (1 | batch/cask)", family: "gaussian", about: "nested random effects: casks within batches" },
  { name: "InstEval", file: "insteval.csv", url: insteval, formula: "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)", family: "gaussian", reml: false, about: "73 421 lecture ratings; 2972 students × 1128 lecturers (takes a while)" },
  { name: "cbpp", file: "cbpp.csv", url: cbpp, formula: "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", family: "binomial", about: "contagious bovine pleuropneumonia, binomial counts per herd and period" },
  { name: "grouseticks", file: "grouseticks.csv", url: grouseticks, formula: "TICKS ~ factor(YEAR) + scale(HEIGHT) + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)", family: "poisson", about: "ticks on red grouse chicks, Poisson with an observation-level effect" },
  { name: "Owls", file: "owls.csv", url: owls, formula: "SiblingNegotiation ~ FoodTreatment * SexParent + offset(log(BroodSize)) + (1 | Nest)", family: "negative_binomial", about: "owlet begging calls, negative binomial with an offset" },
  { name: "Salamanders", file: "salamanders.csv", url: salamanders, formula: "count ~ mined + spp + (1 | site)", family: "negative_binomial", about: "salamander counts at mined and unmined sites" },
  { name: "VerbAgg", file: "verbagg.csv", url: verbagg, formula: "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)", family: "binomial", about: "verbal aggression item responses, crossed persons × items (7584 rows)" },
  { name: "Ohio", file: "ohio.csv", url: ohio, formula: "resp ~ age + smoke + (1 | id)", family: "binomial", about: "wheezing in children, repeated binary outcome" },
  { name: "Counselling", file: "counselling.csv", url: counselling, formula: "sessions ~ trained + (1 | clinic/clinician)", family: "poisson", about: "sessions per client, clinicians nested in clinics" },
  { name: "strains", file: "strains.csv", url: strains, formula: "severe ~ gene + (1 | strain)", family: "binomial", about: "severe infections by 120 bacterial strains, whose effects follow their phylogeny (strains.nwk)", covariance: { group: "strain", kind: "phylo", file: "strains.nwk", url: strainsTree } },
];
