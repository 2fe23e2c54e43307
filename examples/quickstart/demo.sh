#!/usr/bin/env bash
# The provider end to end on the embedded emulator; `make demo` runs it after building
# everything. Needs TERRAFORM (the CLI) and BIN_DIR (the built provider and emulator).
set -euo pipefail
: "${TERRAFORM:?set TERRAFORM to a terraform binary}" "${BIN_DIR:?set BIN_DIR to the folder of the built binaries}"
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=examples/quickstart/lib.sh
. "$here/lib.sh"
# Every step runs: one that this CLI cannot run fails here, before anything starts.
require_terraform "$TERRAFORM" 1.14 "adoption with terraform query and the reprocess action"
work=$(mktemp -d)
emulator_pid=""

cleanup() {
  if [ -n "$emulator_pid" ]; then
    say "Stopping the emulator and cleaning up"
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# tf runs Terraform on the demo's copy of examples/quickstart, without the warning about
# development overrides that it prints each time, which the demo explains once.
tf() { "$TERRAFORM" -chdir="$work/quickstart" "$@" | without_overrides_warning; }
# expect_no_changes runs a plan and fails, showing it, unless it says No changes.
expect_no_changes() {
  local code=0
  tf plan -input=false -no-color -detailed-exitcode >"$work/plan.txt" || code=$?
  cat "$work/plan.txt"
  if [ "$code" -ne 0 ] || ! grep -q 'No changes' "$work/plan.txt"; then
    echo "demo: the plan was not empty (exit code $code)"
    exit 1
  fi
}

say "Starting the Cloud Entitlements emulator with the demo Azure directory"
"$BIN_DIR/segura-emulator" -listen 127.0.0.1:0 -entra-listen 127.0.0.1:0 -entra-cert-file "$work/entra.pem" \
  -directory "$here/azure-directory.json" -state-file "$work/emulator-state.json" >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 100); do
  grep -q 'segura-emulator: Entra ID' "$work/emulator.log" && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log"; exit 1; }
  sleep 0.1
done
cat "$work/emulator.log"
url=$(sed -n 's|^segura-emulator: API *\(http://[^/]*\)/.*|\1|p' "$work/emulator.log")
entra=$(sed -n 's|^segura-emulator: Entra ID *\(https://[^ ]*\) .*|\1|p' "$work/emulator.log")
[ -n "$url" ] && [ -n "$entra" ] || { echo "the emulator did not start"; exit 1; }

say "Using the provider built in $BIN_DIR through a CLI config with dev_overrides"
cat >"$work/cli.tfrc" <<CONFIG
provider_installation {
  dev_overrides {
    "segura/segura" = "$BIN_DIR"
  }
  direct {}
}
CONFIG
cat "$work/cli.tfrc"
echo "With dev_overrides, Terraform warns \"Provider development overrides are in effect\" before every command:"
echo "the provider it runs is the one built from this tree, not a release. That is what the demo means"
echo "to run, so it leaves the warning out of the commands' output below."
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export SEGURA_URL="$url" SEGURA_CLIENT_ID=demo-client SEGURA_CLIENT_SECRET=demo-secret
# The Azure pre-flight signs in to the emulator's Entra ID, whose self-signed certificate the
# provider trusts through SSL_CERT_FILE.
export AZURE_AUTHORITY_HOST="$entra" SEGURA_AZURE_GRAPH_ENDPOINT="${entra%/}" SSL_CERT_FILE="$work/entra.pem"
export TF_VAR_secrets='{"production":"demo-production-secret","platform":"demo-platform-secret","imported":"demo-imported-secret"}'
mkdir -p "$work/quickstart"
cp "$here/main.tf" "$here/reprocess.tf" "$work/quickstart/"

say "terraform apply on examples/quickstart: two tenants, one read and one read_write"
tf apply -auto-approve -input=false -no-color
ran "apply of two tenants"

say "Outputs and state"
tf output -no-color connections
tf state list
say "The live synchronization of a connection, refreshed from Cloud Entitlements"
tf state show -no-color segura_azure_tenant.production | sed -n '/synchronization/,/}/p'

say "The Azure pre-flight signed in to Entra ID before each connection (the emulator's request counts)"
counts=$(curl -sf "$url/_emulator/requests")
if [[ $counts =~ \"POST\ /\{tenant\}/oauth2/v2\.0/token\":\{[^}]*\"200\":[^}]*\} ]]; then
  echo "${BASH_REMATCH[0]}"
else
  echo "demo: Entra ID signed in no application, so the pre-flight did not run; the emulator's counts: $counts"
  exit 1
fi
ran "the Azure pre-flight"

say "A second plan: it must say No changes"
expect_no_changes
ran "a plan with No changes"

say "Reprocess the production tenant now with a Terraform action, and follow its synchronization"
tf apply -auto-approve -input=false -no-color -invoke=action.segura_azure_tenant_reprocess.production | tee "$work/reprocess.txt"
if [[ $(<"$work/reprocess.txt") != *"synchronization succeeded"* ]]; then
  echo "demo: the reprocess action did not report a synchronization that succeeded"
  exit 1
fi
ran "the reprocess action"

say "Connecting a third tenant by hand, straight through the API (as the Segura UI would)"
token=$(curl -sf -d grant_type=client_credentials -d client_id=demo-client -d client_secret=demo-secret \
  "$url/oauth2/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
connected=$(curl -sf -X POST "$url/api/cloud-entitlements/v1/azure/tenants" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"Connected by hand","tenant_id":"c0ffee00-1234-4abc-8def-0123456789ab",
       "application_id":"d15c0000-5678-4abc-8def-0123456789ab","secret_value":"demo-imported-secret",
       "integration_mode":"read","tags":["legacy"]}')
printf '%s\n' "$connected"

say "Importing it with an import block; the secret, which the API never returns, is sent in place"
cat >"$work/quickstart/imported.tf" <<'HCL'
import {
  to = segura_azure_tenant.imported
  id = "C0FFEE00-1234-4ABC-8DEF-0123456789AB"
}

resource "segura_azure_tenant" "imported" {
  name             = "Connected by hand"
  tenant_id        = "C0FFEE00-1234-4ABC-8DEF-0123456789AB"
  application_id   = "d15c0000-5678-4abc-8def-0123456789ab"
  secret_value     = var.secrets["imported"]
  integration_mode = "read"
  tags             = ["legacy"]
}
HCL
cat "$work/quickstart/imported.tf"
tf apply -auto-approve -input=false -no-color
tf state list
say "A plan after the import: it must say No changes"
expect_no_changes
ran "an import block"

say "Connecting two more tenants by hand, tagged production, and adopting them with terraform query"
for t in a11ce000:1 b0b00000:2; do
  curl -sf -X POST "$url/api/cloud-entitlements/v1/azure/tenants" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name":"By hand '"${t#*:}"'","tenant_id":"'"${t%%:*}"'-1111-4abc-8def-0123456789ab",
         "application_id":"'"${t%%:*}"'-2222-4abc-8def-0123456789ab","secret_value":"demo-by-hand-secret-'"${t#*:}"'",
         "integration_mode":"read","tags":["production"]}' >/dev/null
done
cp "$here/../list-resources/segura_azure_tenant/list-resource.tfquery.hcl" "$work/quickstart/find.tfquery.hcl"
cat "$work/quickstart/find.tfquery.hcl"
tf query -no-color
tf query -no-color -generate-config-out=adopted.tf >/dev/null
rm "$work/quickstart/find.tfquery.hcl"
say "The configuration terraform query wrote, with no secret: it plans as imports only"
cat "$work/quickstart/adopted.tf"
tf plan -input=false -no-color >"$work/plan.txt"
show_line '2 to import, 0 to add, 0 to change, 0 to destroy' "$work/plan.txt"
tf apply -auto-approve -input=false -no-color >"$work/apply.txt"
show_line 'Apply complete!' "$work/apply.txt"
say "A plan after the adoption: it must say No changes"
expect_no_changes
ran "adoption with terraform query"

say "terraform destroy: every connection is disconnected"
tf destroy -auto-approve -input=false -no-color
left=$(curl -sf "$url/api/cloud-entitlements/v1/azure/tenants" -H "Authorization: Bearer $token")
echo "Connections left in Cloud Entitlements: $left"
case "$left" in *'"items":[]'*) ;; *) echo "demo: connections are left"; exit 1 ;; esac
ran "destroy"

finished
