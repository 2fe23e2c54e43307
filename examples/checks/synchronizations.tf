# Reports, as a warning of every plan and apply, each connection whose last synchronization
# failed: credentials that stopped working (invalid_credentials), or missing permissions or
# roles.
check "synchronizations" {
  data "segura_azure_tenants" "failed" {
    synchronization_state = "failed"
  }

  assert {
    condition = length(data.segura_azure_tenants.failed.tenants) == 0
    error_message = join("\n", [
      for t in data.segura_azure_tenants.failed.tenants :
      "${t.name} (${t.tenant_id}): ${t.synchronization.reason}: ${t.synchronization.message}"
    ])
  }
}
