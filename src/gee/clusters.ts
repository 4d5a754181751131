// Cluster layout: which rows form each cluster, in within-cluster order, and each row's wave number.
// geepack takes clusters as runs of equal id in data order and waves as the integer codes of
// factor(waves); here rows may come in any order, and the waves are the ranks of the distinct time
// values (1, 2, ...) over the whole data, which is the same thing as geepack's codes.
import { UserError } from "../errors.js";

export interface ClusterLayout {
  readonly nclusters: number;
  /** cluster k holds positions start[k] .. start[k+1]-1 of `rows` */
  readonly start: Int32Array;
  /** input row index at each position (clusters in increasing code order, rows in time order) */
  readonly rows: Int32Array;
  /** wave number (1-based) at each position */
  readonly waves: Int32Array;
  /** largest wave number (= largest cluster size when no time is given) */
  readonly maxWave: number;
  readonly maxSize: number;
  /** true when some cluster has two rows with the same wave */
  readonly tiedWaves: boolean;
}

/** Group rows by cluster (and order them by time within a cluster): the layout every GEE working correlation is computed over. */
export function clusterLayout(cluster: Int32Array, time?: Float64Array | null): ClusterLayout {
  const n = cluster.length;
  if (time && time.length !== n) throw new Error(`time has ${time.length} values, expected ${n}`);
  // codes of the clusters actually used, in increasing order
  const codes = Array.from(new Set(cluster)).sort((a, b) => a - b);
  const index = new Map<number, number>();
  codes.forEach((c, k) => index.set(c, k));
  const K = codes.length;
  const start = new Int32Array(K + 1);
  for (let i = 0; i < n; i++) start[index.get(cluster[i])! + 1]++;
  for (let k = 0; k < K; k++) start[k + 1] += start[k];
  const fill = start.slice(0, K);
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[fill[index.get(cluster[i])!]++] = i; // stable: data order within cluster

  const waves = new Int32Array(n);
  let maxSize = 0;
  for (let k = 0; k < K; k++) maxSize = Math.max(maxSize, start[k + 1] - start[k]);
  let maxWave = maxSize;
  let tiedWaves = false;
  if (time) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(time[i])) throw new UserError(`the time variable is missing or not finite at row ${i + 1}`);
    }
    const distinct = Array.from(new Set(time)).sort((a, b) => a - b);
    const rank = new Map<number, number>();
    distinct.forEach((t, j) => rank.set(t, j + 1));
    maxWave = distinct.length;
    for (let k = 0; k < K; k++) {
      const seg = Array.from(rows.subarray(start[k], start[k + 1]));
      seg.sort((a, b) => time[a] - time[b] || a - b);
      for (let j = 0; j < seg.length; j++) {
        rows[start[k] + j] = seg[j];
        waves[start[k] + j] = rank.get(time[seg[j]])!;
        if (j > 0 && waves[start[k] + j] === waves[start[k] + j - 1]) tiedWaves = true;
      }
    }
  } else {
    for (let k = 0; k < K; k++) for (let j = start[k]; j < start[k + 1]; j++) waves[j] = j - start[k] + 1;
  }
  return { nclusters: K, start, rows, waves, maxWave, maxSize, tiedWaves };
}
