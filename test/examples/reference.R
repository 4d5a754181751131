# Extra reference values for the scenario gallery (examples/), beyond test/fixtures/reference/cases.json
# and inference.json. Run from the project root:  Rscript test/examples/reference.R
# Writes test/examples/reference.json.
suppressPackageStartupMessages({ library(lme4); library(performance); library(jsonlite) })
D <- "test/fixtures/data"
out <- list(generated_by = c(paste("lme4", packageVersion("lme4")), paste("performance", packageVersion("performance")), R.version.string))

fx <- function(m) { s <- summary(m)$coefficients; list(estimate = as.list(s[, 1]), se = as.list(s[, 2])) }
wald_contrast <- function(m, L) {
  b <- fixef(m); V <- as.matrix(vcov(m)); est <- sum(L * b); se <- sqrt(drop(t(L) %*% V %*% L))
  list(estimate = est, se = se, z = est / se, p = 2 * pnorm(-abs(est / se)))
}

# 1. songbirds: one pooled slope, and within - between
sb <- read.csv(file.path(D, "songbirds.csv"))
sb$t_between <- ave(sb$testosterone, sb$bird); sb$t_within <- sb$testosterone - sb$t_between
m0 <- glmer(aggressive ~ testosterone + (1 | bird), sb, family = binomial)
m1 <- glmer(aggressive ~ t_within + t_between + (1 | bird), sb, family = binomial)
ci1 <- confint(m1, parm = "theta_", method = "profile", oldNames = FALSE, quiet = TRUE)
out$songbirds <- list(pooled = c(fx(m0), logLik = as.numeric(logLik(m0))), within_minus_between = wald_contrast(m1, c(0, 1, -1)),
                      profile_sd_bird = unname(ci1[1, ]))

# 2. senescence: one pooled age slope, and between - within
se <- read.csv(file.path(D, "senescence.csv"))
se$a_between <- ave(se$age, se$id); se$a_within <- se$age - se$a_between
n0 <- glmer(success ~ age + (1 | id), se, family = binomial)
n1 <- glmer(success ~ a_within + a_between + (1 | id), se, family = binomial)
out$senescence <- list(pooled = c(fx(n0), logLik = as.numeric(logLik(n0))), between_minus_within = wald_contrast(n1, c(0, -1, 1)))

# 5. ohio: the GLMM's marginalized coefficients, by numerical integration at lme4's estimates, then
# least squares of logit(mu_PA) on X (what GLMMadaptive::marginal_coefs computes, without Monte Carlo)
oh <- read.csv(file.path(D, "ohio.csv"))
g <- glmer(resp ~ age + smoke + (1 | id), oh, family = binomial)
X <- model.matrix(~ age + smoke, oh); eta <- drop(X %*% fixef(g)); s <- attr(VarCorr(g)$id, "stddev")
mu <- sapply(eta, function(e) integrate(function(b) plogis(e + b) * dnorm(b, 0, s), -Inf, Inf, rel.tol = 1e-10)$value)
out$ohio_marginal <- as.list(coef(lm(qlogis(mu) ~ X - 1)))
names(out$ohio_marginal) <- colnames(X)

# 8. strains: the same model with independent strain effects (no tree)
st <- read.csv(file.path(D, "strains.csv"))
s0 <- glmer(severe ~ gene + (1 | strain), st, family = binomial)
out$strains_iid <- c(fx(s0), logLik = as.numeric(logLik(s0)), AIC = AIC(s0), sd_strain = attr(VarCorr(s0)$strain, "stddev")[[1]])

# 9. batches: batch as a fixed effect (lm), and lme4's profile interval of the batch SD
ba <- read.csv(file.path(D, "batches.csv"))
l <- lm(expression ~ group + batch, ba)
b1 <- lmer(expression ~ group + (1 | batch), ba)
ci <- confint(b1, oldNames = FALSE, quiet = TRUE)
out$batches <- list(lm = c(fx(l), sigma = summary(l)$sigma, df = l$df.residual),
                    profile_sd_batch = unname(ci["sd_(Intercept)|batch", ]),
                    profile_grouptreated = unname(ci["grouptreated", ]))

# 10. mating: repeatability without the tail (the male variance then includes tail differences)
ma <- read.csv(file.path(D, "mating.csv"))
suppressPackageStartupMessages(library(glmmTMB))
k0 <- glmmTMB(matings ~ 1 + (1 | male), ma, family = nbinom2)
i0 <- suppressWarnings(icc(k0)); r0 <- suppressWarnings(r2_nakagawa(k0))
out$mating_null <- list(icc_adjusted = i0$ICC_adjusted, sd_male = attr(VarCorr(k0)$cond$male, "stddev")[[1]], nb_size = sigma(k0))

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "test/examples/reference.json")
