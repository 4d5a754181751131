// Fill-reducing orderings. The last `fixedTail` columns (the dense fixed-effect and response
// columns of a mixed model) always stay last. The approximate minimum degree ordering (Amestoy,
// Davis & Duff 1996) of the leading columns is compared symbolically with the natural order; the
// better one is returned, postordered by its elimination tree (same fill, contiguous subtrees,
// so supernodes form and the factorization walks memory in order).
import { adjacency, type SparseLowerPattern, permutePattern, upperByColumns } from "./pattern.js";
import { countRows, etree, postorder } from "./symbolic.js";

/**
 * Fill-reducing ordering: perm[newIndex] = oldIndex. The last `fixedTail` columns keep their
 * positions at the end. Never worse in nnz(L) than the natural order; on a tie the natural order
 * (postordered) is kept.
 */
export function fillReducingOrder(p: SparseLowerPattern, fixedTail: number): Int32Array {
  const n = p.n, m = n - fixedTail;
  if (!(fixedTail >= 0 && fixedTail <= n)) throw new Error(`fillReducingOrder: fixedTail ${fixedTail} outside 0..${n}`);
  const natural = new Int32Array(n);
  for (let i = 0; i < n; i++) natural[i] = i;
  const nat = postordered(p, natural, m);
  // no fill at all (a nested design): nothing can beat it. The natural order's count stops at the
  // first fill-in, and later at the candidate's count, so a natural order that fills to dense
  // never costs its own nnz(L) in time
  if (m <= 2 || countRows(n, nat.parent, nat.upper, null, p.colPtr[n]) === p.colPtr[n]) return nat.perm;
  const amdPerm = new Int32Array(n);
  amdPerm.set(amd(adjacency(p, m), m));
  for (let i = m; i < n; i++) amdPerm[i] = i;
  const alt = postordered(permutePattern(p, amdPerm), amdPerm, m);
  const altNnz = countRows(n, alt.parent, alt.upper, null, Infinity);
  return altNnz < countRows(n, nat.parent, nat.upper, null, altNnz) ? alt.perm : nat.perm;
}

/**
 * perm composed with the postorder of its leading m columns' elimination forest (q = P A Pᵀ), with
 * q's elimination tree and upper triangle for counting
 */
function postordered(q: SparseLowerPattern, perm: Int32Array, m: number): { perm: Int32Array; parent: Int32Array; upper: { ptr: Int32Array; idx: Int32Array } } {
  const n = q.n;
  const upper = upperByColumns(q);
  const parent = etree(q, upper);
  const lead = parent.slice(0, m);
  for (let j = 0; j < m; j++) if (lead[j] >= m) lead[j] = -1;
  const post = postorder(lead);
  const out = new Int32Array(n);
  for (let i = 0; i < m; i++) out[i] = perm[post[i]];
  for (let i = m; i < n; i++) out[i] = perm[i];
  return { perm: out, parent, upper };
}

const flip = (i: number): number => -i - 2;

/**
 * Approximate minimum degree ordering of a graph (adjacency lists without self loops) of n nodes:
 * returns perm (new → old). Quotient graph with element absorption, mass elimination,
 * supervariables found by hashing, approximate external degrees, aggressive absorption; rows
 * denser than 10√n are set aside and ordered last.
 */
export function amd(g: { ptr: Int32Array; idx: Int32Array }, n: number): Int32Array {
  const nnz = g.ptr[n];
  let iwlen = nnz + Math.floor(nnz / 5) + 2 * n + 1;
  let iw = new Int32Array(iwlen);
  iw.set(g.idx.subarray(0, nnz));
  const pe = new Int32Array(n), len = new Int32Array(n), elen = new Int32Array(n), nv = new Int32Array(n);
  const degree = new Int32Array(n), w = new Int32Array(n), head = new Int32Array(n).fill(-1);
  const next = new Int32Array(n).fill(-1), last = new Int32Array(n).fill(-1), hhead = new Int32Array(n).fill(-1);
  const stepOf = new Int32Array(n).fill(-1), isDense = new Uint8Array(n);
  let pfree = nnz, nel = 0, step = 0, mindeg = 0, mark = 2, lemax = 0;
  const dense = Math.min(n - 2, Math.max(16, Math.floor(10 * Math.sqrt(n))));
  for (let i = 0; i < n; i++) {
    pe[i] = g.ptr[i];
    len[i] = g.ptr[i + 1] - g.ptr[i];
    nv[i] = 1;
    w[i] = 1;
    const d = (degree[i] = len[i]);
    if (d === 0) {
      // isolated: an element at once
      elen[i] = -2; pe[i] = -1; w[i] = 0; stepOf[i] = step++; nel++;
    } else if (d > dense) {
      elen[i] = -1; pe[i] = -1; nv[i] = 0; isDense[i] = 1; nel++;
    } else {
      if (head[d] !== -1) last[head[d]] = i;
      next[i] = head[d];
      head[d] = i;
    }
  }
  const resetMark = (): void => {
    if (mark < 2 || mark + lemax >= 0x3fffffff) {
      for (let j = 0; j < n; j++) if (w[j] !== 0) w[j] = 1;
      mark = 2;
    }
  };
  while (nel < n) {
    // 1. pivot of minimum approximate degree
    while (mindeg < n && head[mindeg] === -1) mindeg++;
    const k = head[mindeg];
    if (next[k] !== -1) last[next[k]] = -1;
    head[mindeg] = next[k];
    const elenk = elen[k];
    let nvk = nv[k];
    nel += nvk;
    stepOf[k] = step++;
    // 2. make room for the new element's list (compact the lists in place)
    if (elenk > 0 && pfree + mindeg >= iwlen) {
      for (let j = 0; j < n; j++) {
        const p = pe[j];
        if (p >= 0) { pe[j] = iw[p]; iw[p] = flip(j); }
      }
      let q = 0;
      for (let p = 0; p < pfree;) {
        if (iw[p] < 0) {
          const j = flip(iw[p]);
          iw[q] = pe[j];
          pe[j] = q++;
          p++;
          for (let t = 1; t < len[j]; t++) iw[q++] = iw[p++];
        } else p++;
      }
      pfree = q;
      if (pfree + mindeg >= iwlen) {
        iwlen = pfree + mindeg + Math.floor(iwlen / 2) + 1;
        const bigger = new Int32Array(iwlen);
        bigger.set(iw.subarray(0, pfree));
        iw = bigger;
      }
    }
    // 3. the new element Lk: union of k's elements' variables and k's own variables
    let dk = 0;
    nv[k] = -nvk;
    let p = pe[k];
    const pk1 = elenk === 0 ? p : pfree;
    let pk2 = pk1;
    for (let k1 = 1; k1 <= elenk + 1; k1++) {
      let e: number, pj: number, ln: number;
      if (k1 > elenk) { e = k; pj = p; ln = len[k] - elenk; }
      else { e = iw[p++]; pj = pe[e]; ln = len[e]; }
      for (let k2 = 1; k2 <= ln; k2++) {
        const i = iw[pj++], nvi = nv[i];
        if (nvi <= 0) continue;
        dk += nvi;
        nv[i] = -nvi;
        iw[pk2++] = i;
        if (next[i] !== -1) last[next[i]] = last[i];
        if (last[i] !== -1) next[last[i]] = next[i];
        else head[degree[i]] = next[i];
      }
      if (e !== k) { pe[e] = flip(k); w[e] = 0; }
    }
    if (elenk !== 0) pfree = pk2;
    degree[k] = dk;
    pe[k] = pk1;
    len[k] = pk2 - pk1;
    elen[k] = -2;
    // 4. |Le \ Lk| for every element e next to Lk, kept in w[e] − mark
    resetMark();
    for (let pk = pk1; pk < pk2; pk++) {
      const i = iw[pk], eln = elen[i];
      if (eln <= 0) continue;
      const nvi = -nv[i], wnvi = mark - nvi;
      for (let q = pe[i]; q < pe[i] + eln; q++) {
        const e = iw[q];
        let we = w[e];
        if (we >= mark) we -= nvi;
        else if (we !== 0) we = degree[e] + wnvi;
        w[e] = we;
      }
    }
    // 5. approximate degrees, absorption of elements inside Lk, mass elimination, hashing
    for (let pk = pk1; pk < pk2; pk++) {
      const i = iw[pk], p1 = pe[i], p2 = p1 + elen[i] - 1;
      let pn = p1, h = 0, d = 0;
      for (let q = p1; q <= p2; q++) {
        const e = iw[q];
        if (w[e] === 0) continue;
        const dext = w[e] - mark;
        if (dext > 0) { d += dext; iw[pn++] = e; h += e; }
        else { pe[e] = flip(k); w[e] = 0; } // aggressive absorption: Le ⊆ Lk
      }
      elen[i] = pn - p1 + 1;
      const p3 = pn, p4 = p1 + len[i];
      for (let q = p2 + 1; q < p4; q++) {
        const j = iw[q], nvj = nv[j];
        if (nvj <= 0) continue;
        d += nvj;
        iw[pn++] = j;
        h += j;
      }
      if (elen[i] === 1 && p3 === pn) {
        // i is adjacent to k alone: eliminate it with k
        pe[i] = flip(k);
        const nvi = -nv[i];
        dk -= nvi; nvk += nvi; nel += nvi;
        nv[i] = 0;
        elen[i] = -1;
      } else {
        degree[i] = Math.min(degree[i], d);
        iw[pn] = iw[p3];
        iw[p3] = iw[p1];
        iw[p1] = k;
        len[i] = pn - p1 + 1;
        h %= n;
        next[i] = hhead[h];
        hhead[h] = i;
        last[i] = h;
      }
    }
    degree[k] = dk;
    lemax = Math.max(lemax, dk);
    mark += lemax;
    resetMark();
    // 6. supervariables: variables of Lk with identical lists merge
    for (let pk = pk1; pk < pk2; pk++) {
      let i = iw[pk];
      if (nv[i] >= 0) continue;
      const h = last[i];
      i = hhead[h];
      hhead[h] = -1;
      for (; i !== -1 && next[i] !== -1; i = next[i]) {
        const ln = len[i], eln = elen[i];
        for (let q = pe[i] + 1; q < pe[i] + ln; q++) w[iw[q]] = mark;
        let jlast = i;
        for (let j = next[i]; j !== -1;) {
          let same = len[j] === ln && elen[j] === eln;
          for (let q = pe[j] + 1; same && q < pe[j] + ln; q++) if (w[iw[q]] !== mark) same = false;
          if (same) {
            pe[j] = flip(i);
            nv[i] += nv[j];
            nv[j] = 0;
            elen[j] = -1;
            j = next[j];
            next[jlast] = j;
          } else {
            jlast = j;
            j = next[j];
          }
        }
        mark++;
      }
    }
    // 7. restore Lk's variables to the degree lists with their new degrees
    let q = pk1;
    for (let pk = pk1; pk < pk2; pk++) {
      const i = iw[pk], nvi = -nv[i];
      if (nvi <= 0) continue;
      nv[i] = nvi;
      const d = Math.min(degree[i] + dk - nvi, n - nel - nvi);
      if (head[d] !== -1) last[head[d]] = i;
      next[i] = head[d];
      last[i] = -1;
      head[d] = i;
      if (d < mindeg) mindeg = d;
      degree[i] = d;
      iw[q++] = i;
    }
    nv[k] = nvk;
    len[k] = q - pk1;
    if (len[k] === 0) { pe[k] = -1; w[k] = 0; }
    if (elenk !== 0) pfree = q;
  }
  // order: pivots by step, each followed by the variables eliminated with it; dense rows last
  const rootStep = new Int32Array(n);
  const count = new Int32Array(step + 2);
  for (let v = 0; v < n; v++) {
    let r = v;
    if (isDense[v]) { rootStep[v] = step; count[step + 1]++; continue; }
    while (stepOf[r] < 0) r = flip(pe[r]);
    rootStep[v] = stepOf[r];
    count[stepOf[r] + 1]++;
  }
  for (let s = 0; s <= step; s++) count[s + 1] += count[s];
  const perm = new Int32Array(n);
  // principal variables first within their step
  for (let v = 0; v < n; v++) if (!isDense[v] && stepOf[v] >= 0) perm[count[rootStep[v]]++] = v;
  for (let v = 0; v < n; v++) if (isDense[v] || stepOf[v] < 0) perm[count[rootStep[v]]++] = v;
  return perm;
}
