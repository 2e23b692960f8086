# Reference values for sampling.evaluate_domain, produced with R survey (not needed to run the tests).
#
#   Rscript tests/sampling/data/domain_reference.R      (from the repository root; Debian: r-cran-survey)
#
# Reads domain_cases.csv (one row per responding sampled case: scenario, stratum, N = the stratum's
# population size, domain = 1 when the case is in the domain, outcome = 1/0 inside the domain) and
# writes domain_reference.csv: per scenario the domain mean as svymean on subset() of
# svydesign(ids = ~1, strata = ~stratum, fpc = ~N), its SE, and svyciprop(method = "beta"), with
# options(survey.lonely.psu = "adjust") and survey.adjust.domain.lonely left FALSE (the default), plus
# the exact Clopper-Pearson interval of the domain's raw counts (binom.test) for comparison.
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "adjust")

here <- "tests/sampling/data"
cases <- read.csv(file.path(here, "domain_cases.csv"), stringsAsFactors = FALSE)
cases$outcome[is.na(cases$outcome)] <- 0

reference <- function(scenario) {
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

result <- do.call(rbind, lapply(unique(cases$scenario), reference))
write.csv(result, file.path(here, "domain_reference.csv"), row.names = FALSE)
cat(sprintf("survey %s, R %s\n", packageVersion("survey"), getRversion()))
print(result, digits = 10)
