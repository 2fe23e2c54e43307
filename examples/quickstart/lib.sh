# Functions of demo.sh, in a file of their own so that internal/demotest can run them.
#
# Every condition reads a command's whole output before it tests it. Under pipefail, a pipe into
# a reader that stops at its first match (`grep -q`) kills the writer with SIGPIPE when the
# writer has more to say, and the test fails although it matched.

say() { printf '\n==> %s\n' "$*"; }

# cli_version prints the version of the Terraform CLI at $1, such as 1.16.4, read from
# `version -json`. It fails when the CLI fails or names no version, and then shows what the CLI
# wrote to stderr. When it succeeds, that stderr, such as a warning about the user's own CLI
# configuration, which the demo replaces with its own, is left out.
cli_version() {
  local out errors code=0
  errors=$(mktemp)
  out=$("$1" version -json 2>"$errors") || code=$?
  if [ "$code" -ne 0 ] || ! [[ $out =~ \"terraform_version\"[[:space:]]*:[[:space:]]*\"([0-9]+\.[0-9]+\.[0-9]+) ]]; then
    cat "$errors" >&2
    rm -f "$errors"
    return 1
  fi
  rm -f "$errors"
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

# without_overrides_warning copies its input to its output without Terraform's warning
# "Provider development overrides are in effect", which every command prints when the CLI
# configuration has dev_overrides, as the demo's has; the demo explains it once instead. The
# warning runs from its title to the line that ends its last sentence ("... published
# releases."), with the blank line or box line before it and the box line after it. Should a
# title not be followed by that line within 12 lines, nothing is dropped: a change of
# Terraform's text shows the warning again rather than hide other output.
without_overrides_warning() {
  awk '
    function out(line) { print line; fflush() }
    function flush_held(   i) { for (i = 1; i <= n; i++) out(held[i]); n = 0 }
    skipping {
      held[++n] = $0
      if ($0 ~ /releases\.$/) { skipping = 0; n = 0; closing = 1 }
      else if (++after > 12) { skipping = 0; flush_held() }
      next
    }
    closing && /^╵$/ { closing = 0; next }
    { closing = 0 }
    /^(│ )?Warning: Provider development overrides are in effect$/ {
      n = 0
      if (have && prev ~ /^(╷|│)?[ \t]*$/) held[++n] = prev
      else if (have) out(prev)
      have = 0; skipping = 1; after = 0; held[++n] = $0
      next
    }
    { if (have) out(prev); prev = $0; have = 1 }
    END { if (have) out(prev); flush_held() }
  '
}

# show_line prints the lines of the file $2 that contain $1, such as "Apply complete!", when
# the demo shows a summary of a command's output rather than all of it. When no line does, it
# prints the whole file and fails.
show_line() {
  grep -F -- "$1" "$2" && return 0
  echo "demo: no line says \"$1\" in:"
  cat "$2"
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
