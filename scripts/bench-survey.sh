#!/usr/bin/env bash
# Survey estimation performance, in one run:
#   1. `kesu survey estimate` end to end (CSV in → CSV out), post-stratified on region×urban×sex,
#      by region and by group, on 1,000,000 and 10,000,000 synthetic respondents: wall time,
#      CPU time and peak memory from /usr/bin/time;
#   2. the estimation core alone (data in memory): the divan benchmark at 100k / 1M / 10M rows,
#      and the core_timing example (best-of-7 phase times and CPU time) at 1M and 10M;
#   3. the same 1M job in R (read.csv, svydesign, postStratify, two svyby calls), if Rscript and
#      the survey package are installed.
#
#   scripts/bench-survey.sh                 # everything
#   SIZES="1000000" scripts/bench-survey.sh # only 1M end to end
#   SKIP_CORE=1 SKIP_R=1 scripts/bench-survey.sh
#   RUNS=5 scripts/bench-survey.sh          # repetitions per size (median reported; default 3)
#   KESU_BIN=path/to/kesu scripts/bench-survey.sh   # use a binary already built
#
# Data are generated with the hidden `kesu survey synth` (seed 20240416, 12 strata × 400 PSUs)
# into $BENCH_DIR (default: a temporary directory, removed at the end).
# Figures go in docs/PERFORMANCE.md ("Survey estimation").
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
sizes="${SIZES:-1000000 10000000}"
runs="${RUNS:-3}"

if [[ -n "${KESU_BIN:-}" ]]; then
  kesu="$KESU_BIN" # an already built binary
else
  cargo build --release -q -p kesu
  kesu="$target/release/kesu"
fi

if [[ ! -x /usr/bin/time ]]; then
  echo "/usr/bin/time not found (apt-get install time)" >&2
  exit 1
fi

if [[ -n "${BENCH_DIR:-}" ]]; then
  work="$BENCH_DIR"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# Seconds from /usr/bin/time's "h:mm:ss" or "m:ss.ss".
secs() { awk -v t="$1" 'BEGIN { n = split(t, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }'; }

# Run a command RUNS times under /usr/bin/time -v; print the median wall time, its CPU time
# (user+sys) and the largest peak RSS.
measure() {
  local label="$1"; shift
  local log="$work/time.log" walls="" cpus="" rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -v "$@" 2> "$log" > /dev/null || { cat "$log" >&2; return 1; }
    local wall user sys r
    wall=$(secs "$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$log")")
    user=$(awk -F: '/User time/ {print $2}' "$log")
    sys=$(awk -F: '/System time/ {print $2}' "$log")
    r=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$log")
    walls="$walls $wall"
    cpus="$cpus $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
    (( r > rss )) && rss=$r
  done
  local mid=$(( (runs + 1) / 2 ))
  local wall cpu
  wall=$(tr ' ' '\n' <<< "$walls" | sed '/^$/d' | sort -g | sed -n "${mid}p")
  cpu=$(tr ' ' '\n' <<< "$cpus" | sed '/^$/d' | sort -g | sed -n "${mid}p")
  printf '%-34s wall %7.2f s   cpu %7.2f s   peak RSS %7.0f MB   (runs:%s)\n' \
    "$label" "$wall" "$cpu" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$walls"
  echo "$wall" > "$work/last_wall"
}

echo
echo "== kesu survey estimate, end to end (CSV in → CSV out)"
for n in $sizes; do
  dir="$work/n$n"
  if [[ ! -f "$dir/respondents.csv" ]]; then
    "$kesu" survey synth --rows "$n" --out "$dir" 2> /dev/null
  fi
  mb=$(awk -v b="$(stat -c %s "$dir/respondents.csv")" 'BEGIN { printf "%.0f", b / 1048576 }')
  measure "kesu ${n} rows (${mb} MB)" "$kesu" survey estimate "$dir/respondents.csv" \
    --poststratify region,urban,sex --margins "$dir/margins.csv" --by region,group \
    -o "$dir/kesu.csv"
  cp "$work/last_wall" "$work/kesu_wall_$n"
done

if [[ -z "${SKIP_CORE:-}" ]]; then
  echo
  echo "== estimation core alone (data in memory): cargo bench -p kesu-survey --bench estimate"
  cargo bench -q -p kesu-survey --bench estimate
  echo "best of 7 runs per phase, and the CPU time of a whole run (steadier on a shared machine):"
  for n in 1000000 10000000; do
    cargo run -q --release -p kesu-survey --example core_timing -- "$n"
  done
fi

if [[ -n "${SKIP_R:-}" ]]; then
  :
elif command -v Rscript > /dev/null \
  && Rscript -e 'suppressPackageStartupMessages(library(survey))' 2> /dev/null; then
  n=1000000
  dir="$work/n$n"
  if [[ -f "$dir/respondents.csv" ]]; then
    echo
    echo "== R $(Rscript -e 'cat(R.version$major, R.version$minor, sep=".")'), survey $(Rscript -e 'cat(as.character(packageVersion("survey")))'): the same job"
    cat > "$work/job.R" <<'EOF'
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
m <- read.csv(args[2], stringsAsFactors = FALSE, colClasses = c("character", "character", "numeric"))
lev <- function(name) m$level[m$margin == name]
d$ps <- factor(paste(d$region, d$urban, d$sex, sep = "|"), levels = lev("region+urban+sex"))
pop <- data.frame(ps = factor(lev("region+urban+sex"), levels = lev("region+urban+sex")),
                  Freq = m$N[m$margin == "region+urban+sex"])
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d, nest = TRUE)
dps <- postStratify(des, ~ps, pop)
r1 <- svyby(~literate, ~region, dps, svymean, vartype = c("se", "ci"))
r2 <- svyby(~literate, ~group, dps, svymean, vartype = c("se", "ci"))
names(r1)[1] <- names(r2)[1] <- "level"
write.csv(rbind(cbind(by = "region", r1), cbind(by = "group", r2)), args[3], row.names = FALSE)
EOF
    measure "R ${n} rows" Rscript "$work/job.R" "$dir/respondents.csv" "$dir/margins.csv" "$dir/r.csv"
    awk -v k="$(cat "$work/kesu_wall_$n")" -v r="$(cat "$work/last_wall")" \
      'BEGIN { printf "R / kesu (median wall): %.1fx\n", r / k }'
    echo "R's region and group rows against Kesu's (est, se):"
    awk -F, 'NR == FNR { gsub(/"/, ""); if (FNR > 1) r[$1 "," $2] = $3 " " $4; next }
             FNR > 2 { split(r[$1 "," $2], x, " ");
                       printf "  %-7s %-8s R %.12g %.12g   kesu %.12g %.12g\n", $1, $2, x[1], x[2], $5, $6 }' \
      "$dir/r.csv" "$dir/kesu.csv"
  fi
else
  echo
  echo "R with the survey package not found: skipping the R comparison"
  echo "(apt-get install -y r-base-core r-cran-survey r-cran-mass)"
fi
