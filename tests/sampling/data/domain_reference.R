# Reference values for sampling.evaluate_domain, produced with R survey (not needed to run the tests).
#
#   Rscript tests/sampling/data/domain_reference.R      (from the repository root; Debian: r-cran-survey)
#
# Reads tests/sampling/data/domain_cases.csv (one row per responding sampled case: scenario, stratum, N = the stratum's
# population size, domain = 1 when the case is in the domain, outcome = 1/0 inside the domain) and
# writes domain_reference.csv: per scenario the domain mean as svymean on subset() of
# svydesign(ids = ~1, strata = ~stratum, fpc = ~N), its SE, and svyciprop(method = "beta"), with
# options(survey.lonely.psu = "adjust") and survey.adjust.domain.lonely left FALSE (the default), plus
# the exact Clopper-Pearson interval of the domain's raw counts (binom.test) for comparison.
# Also reads tests/egenkontroll/data/demo_domain_counts.csv (every domain figure of the demo, per
# stratum: N, responding n, domain cases, domain "ja"; see demo_domains.py there), expands the counts
# to cases and writes demo_domain_reference.csv beside it.
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "adjust")

here <- "tests/sampling/data"
demo <- "tests/egenkontroll/data"

expand <- function(counts) {
  rows <- lapply(seq_len(nrow(counts)), function(i) {
    r <- counts[i, ]
    data.frame(scenario = r$scenario, stratum = r$stratum, N = r$N,
               domain = as.integer(seq_len(r$n) <= r$n_domain),
               outcome = as.integer(seq_len(r$n) <= r$k_domain))
  })
  do.call(rbind, rows)
}

reference <- function(scenario, cases) {
  data <- cases[cases$scenario == scenario, ]
  design <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N, data = data)
  domain <- subset(design, domain == 1)
  mean <- svymean(~outcome, domain)
  beta <- suppressWarnings(svyciprop(~outcome, domain, method = "beta"))
  n <- sum(data$domain)
  k <- sum(data$outcome[data$domain == 1])
  exact <- binom.test(k, n)$conf.int
  data.frame(
    scenario = scenario, n = n, k = k, df = degf(domain),
    estimate = coef(mean)[[1]], se = SE(mean)[[1]],
    lower = attr(beta, "ci")[[1]], upper = attr(beta, "ci")[[2]],
    exact_lower = exact[[1]], exact_upper = exact[[2]]
  )
}

references <- function(cases) do.call(rbind, lapply(unique(cases$scenario), reference, cases = cases))

cases <- read.csv(file.path(here, "domain_cases.csv"), stringsAsFactors = FALSE)
cases$outcome[is.na(cases$outcome)] <- 0
result <- references(cases)
write.csv(result, file.path(here, "domain_reference.csv"), row.names = FALSE)
demo_result <- references(expand(read.csv(file.path(demo, "demo_domain_counts.csv"), stringsAsFactors = FALSE)))
write.csv(demo_result, file.path(demo, "demo_domain_reference.csv"), row.names = FALSE)
cat(sprintf("survey %s, R %s; %d demo figures\n", packageVersion("survey"), getRversion(), nrow(demo_result)))
print(result, digits = 10)
