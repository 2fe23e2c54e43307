# Any supported Terraform or OpenTofu version: the secret is kept in state, marked sensitive.
variable "production_client_secret" {
  description = "Client secret value of the production tenant's app registration."
  type        = string
  sensitive   = true
}

resource "segura_azure_tenant" "production" {
  name             = "Production"
  tenant_id        = "5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44"
  application_id   = "0b7c9e2d-8a41-4f63-b5d0-7e3f1c2a9b88"
  secret_value     = var.production_client_secret
  integration_mode = "read"
  tags             = ["prod", "finance"]

  timeouts {
    create = "20m" # includes waiting for Entra ID to propagate a new secret or consent
  }
}

resource "segura_azure_tenant" "sandbox" {
  name             = "Sandbox"
  tenant_id        = "8d3c2b1a-7e6f-4a5b-9c8d-1e2f3a4b5c6d"
  application_id   = "3a4b5c6d-7e8f-4a0b-8c2d-3e4f5a6b7c8d"
  secret_value     = var.sandbox_client_secret
  integration_mode = "read_write"
  status           = "inactive" # kept, but not synchronized
}

variable "sandbox_client_secret" {
  type      = string
  sensitive = true
}
