// A self-contained profiled REML deviance for lme4's Reaction ~ Days + (Days | Subject) on
// sleepstudy (Bates et al. 2015, eq. 41), used as a realistic objective for the optimizers:
// d(θ) = log|L_θ|² + log|R_X|² + (n−p)(1 + log(2π r²(θ)/(n−p))), Λ = [θ1 0; θ2 θ3] per subject.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// compiled to dist/test/optim/: the project root is three levels up
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

interface Subject {
  days: number[];
  y: number[];
}

function loadSleepstudy(): Subject[] {
  const text = readFileSync(join(root, "test", "fixtures", "data", "sleepstudy.csv"), "utf8");
  const lines = text.trim().split(/\r?\n/).slice(1);
  const bySubject = new Map<string, Subject>();
  for (const line of lines) {
    const [reaction, days, subject] = line.split(",").map((s) => s.replace(/"/g, ""));
    let s = bySubject.get(subject);
    if (!s) bySubject.set(subject, (s = { days: [], y: [] }));
    s.days.push(Number(days));
    s.y.push(Number(reaction));
  }
  return [...bySubject.values()];
}

/** 2×2 symmetric [a b; b c] → Cholesky factor [l11 0; l21 l22]. */
function chol2(a: number, b: number, c: number): [number, number, number] {
  const l11 = Math.sqrt(a);
  const l21 = b / l11;
  return [l11, l21, Math.sqrt(c - l21 * l21)];
}

export function sleepstudyReml(): (theta: Float64Array) => number {
  const subjects = loadSleepstudy();
  const nobs = subjects.reduce((s, g) => s + g.y.length, 0);
  const p = 2;
  return (theta: Float64Array): number => {
    const [t1, t2, t3] = theta;
    let logdetL = 0;
    // M = XᵀX − Σ RZXᵀRZX, v = Xᵀy − Σ RZXᵀ cu (both for X = [1 day]).
    let m11 = 0, m12 = 0, m22 = 0, v1 = 0, v2 = 0;
    const parts: Array<{ l: [number, number, number]; rzx: number[]; cu: number[] }> = [];
    for (const g of subjects) {
      let s0 = 0, s1 = 0, s2 = 0, sy = 0, sdy = 0;
      for (let i = 0; i < g.y.length; i++) {
        const d = g.days[i];
        s0 += 1; s1 += d; s2 += d * d; sy += g.y[i]; sdy += d * g.y[i];
      }
      m11 += s0; m12 += s1; m22 += s2; v1 += sy; v2 += sdy;
      // ZᵀZ = XᵀX = [s0 s1; s1 s2]; Λᵀ = [t1 t2; 0 t3].
      const zz = (r: number, c: number): number => (r === 0 ? (c === 0 ? s0 : s1) : c === 0 ? s1 : s2);
      const lt = [[t1, t2], [0, t3]];
      const b = [[0, 0], [0, 0]]; // Λᵀ ZᵀX
      for (let r = 0; r < 2; r++) for (let c = 0; c < 2; c++) b[r][c] = lt[r][0] * zz(0, c) + lt[r][1] * zz(1, c);
      const a11 = b[0][0] * t1 + b[0][1] * t2 + 1;
      const a12 = b[0][1] * t3;
      const a22 = b[1][1] * t3 + 1;
      const l = chol2(a11, a12, a22);
      logdetL += 2 * Math.log(l[0]) + 2 * Math.log(l[2]);
      const cz = [lt[0][0] * sy + lt[0][1] * sdy, lt[1][1] * sdy];
      const fwd = (x0: number, x1: number): [number, number] => {
        const y0 = x0 / l[0];
        return [y0, (x1 - l[1] * y0) / l[2]];
      };
      const r0 = fwd(b[0][0], b[1][0]);
      const r1 = fwd(b[0][1], b[1][1]);
      const rzx = [r0[0], r0[1], r1[0], r1[1]]; // column-major 2×2
      const cu = fwd(cz[0], cz[1]);
      m11 -= rzx[0] * rzx[0] + rzx[1] * rzx[1];
      m12 -= rzx[0] * rzx[2] + rzx[1] * rzx[3];
      m22 -= rzx[2] * rzx[2] + rzx[3] * rzx[3];
      v1 -= rzx[0] * cu[0] + rzx[1] * cu[1];
      v2 -= rzx[2] * cu[0] + rzx[3] * cu[1];
      parts.push({ l, rzx, cu });
    }
    const det = m11 * m22 - m12 * m12;
    const beta0 = (m22 * v1 - m12 * v2) / det;
    const beta1 = (m11 * v2 - m12 * v1) / det;
    let r2 = 0;
    subjects.forEach((g, k) => {
      const { l, rzx, cu } = parts[k];
      // u = L⁻ᵀ(cu − RZX β)
      const w0 = cu[0] - rzx[0] * beta0 - rzx[2] * beta1;
      const w1 = cu[1] - rzx[1] * beta0 - rzx[3] * beta1;
      const u1 = w1 / l[2];
      const u0 = (w0 - l[1] * u1) / l[0];
      const b0 = t1 * u0;
      const b1 = t2 * u0 + t3 * u1;
      r2 += u0 * u0 + u1 * u1;
      for (let i = 0; i < g.y.length; i++) {
        const d = g.days[i];
        const e = g.y[i] - beta0 - beta1 * d - b0 - b1 * d;
        r2 += e * e;
      }
    });
    const nmp = nobs - p;
    return logdetL + Math.log(det) + nmp * (1 + Math.log((2 * Math.PI * r2) / nmp));
  };
}
