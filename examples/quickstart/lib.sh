# Functions of demo.sh, in a file of their own so that internal/demotest can run them.
#
# Every condition reads a command's whole output before it tests it. Under pipefail, a pipe into
# a reader that stops at its first match (`grep -q`) kills the writer with SIGPIPE when the
# writer has more to say, and the test fails although it matched.

say() { printf '\n==> %s\n' "$*"; }

# cli_version prints the version of the Terraform CLI at $1, such as 1.16.4, read from
# `version -json`. It fails when the CLI fails or names no version.
cli_version() {
  local out
  out=$("$1" version -json) || return 1
  [[ $out =~ \"terraform_version\"[[:space:]]*:[[:space:]]*\"([0-9]+\.[0-9]+\.[0-9]+) ]] || return 1
  printf '%s\n' "${BASH_REMATCH[1]}"
}

# version_at_least reports whether the version $1 (such as 1.16.4) is $2 (such as 1.14) or
# later, comparing major and minor.
version_at_least() {
  local have want
  IFS=. read -r -a have <<<"$1"
  IFS=. read -r -a want <<<"$2"
  ((have[0] > want[0] || (have[0] == want[0] && have[1] >= want[1])))
}

# require_terraform fails, and says what to do, unless the CLI at $1 is Terraform $2 or later,
# which the step $3 needs. make demo always runs Terraform 1.16.4, so a step is never skipped.
require_terraform() {
  local version
  if ! version=$(cli_version "$1"); then
    echo "demo: could not read the version of $1 from 'version -json'; set TERRAFORM to a Terraform CLI" >&2
    return 1
  fi
  version_at_least "$version" "$2" && return 0
  echo "demo: $3 needs Terraform $2 or later, and $1 is $version." \
    "Run make demo, which builds and uses Terraform 1.16.4, or set TERRAFORM to Terraform $2 or later." >&2
  return 1
}

# ran records that a step finished; finished names, in its closing line, the steps recorded.
steps_ran=()
ran() { steps_ran+=("$1"); }
finished() {
  local n=${#steps_ran[@]} list
  case $n in
  0) say "Demo finished: no step ran"; return ;;
  1) list=${steps_ran[0]} ;;
  *)
    list=$(printf '%s, ' "${steps_ran[@]:0:n-1}")
    list="${list%, } and ${steps_ran[n - 1]}"
    ;;
  esac
  say "Demo finished: $list worked"
}
