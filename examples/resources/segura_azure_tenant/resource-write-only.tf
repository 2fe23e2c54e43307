# Terraform or OpenTofu 1.11 and later: a write-only secret, never stored in state or plan.
# An ephemeral variable (or an ephemeral resource) keeps it out of the plan file too.
variable "platform_client_secret" {
  description = "Client secret value of the platform tenant's app registration."
  type        = string
  sensitive   = true
  ephemeral   = true
}

resource "segura_azure_tenant" "platform" {
  name             = "Platform engineering"
  tenant_id        = "c0ffee00-1234-4abc-8def-0123456789ab"
  application_id   = "d15c0000-5678-4abc-8def-0123456789ab"
  integration_mode = "read"

  secret_value_wo         = var.platform_client_secret
  secret_value_wo_version = 1 # change it whenever the secret changes, to send the new one
}
