# Synchronizes the production tenant now, as Setup's Reprocess does, and waits for the result
# (Terraform 1.14 and later):
#   terraform apply -invoke=action.segura_azure_tenant_reprocess.production
action "segura_azure_tenant_reprocess" "production" {
  config {
    tenant_id = segura_azure_tenant.production.tenant_id
  }
}
