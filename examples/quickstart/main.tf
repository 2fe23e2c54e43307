# Two Azure tenants connected to Cloud Entitlements: the configuration `make demo` applies
# against the emulator. Give the secrets in the environment, as the demo does:
#   export TF_VAR_secrets='{"production":"...","platform":"..."}'
# reprocess.tf needs Terraform 1.14 or later; delete it to run the rest on an older CLI or on
# OpenTofu. Point SEGURA_URL, SEGURA_CLIENT_ID and SEGURA_CLIENT_SECRET at a real Segura
# server, and the IDs and secrets at real app registrations, to use it for real.
terraform {
  required_providers {
    segura = {
      source  = "segura/segura"
      version = "~> 0.1"
    }
  }
}

provider "segura" {}

variable "secrets" {
  description = "Client secret value of each tenant's app registration, by tenant key."
  type        = map(string)
  sensitive   = true
}

resource "segura_azure_tenant" "production" {
  name             = "Production"
  tenant_id        = "5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44"
  application_id   = "0b7c9e2d-8a41-4f63-b5d0-7e3f1c2a9b88"
  secret_value     = var.secrets["production"]
  integration_mode = "read"
  tags             = ["prod", "finance"]
}

resource "segura_azure_tenant" "platform" {
  name             = "Platform engineering"
  tenant_id        = "8d3c2b1a-7e6f-4a5b-9c8d-1e2f3a4b5c6d"
  application_id   = "3a4b5c6d-7e8f-4a0b-8c2d-3e4f5a6b7c8d"
  secret_value     = var.secrets["platform"]
  integration_mode = "read_write"
  tags             = ["platform", "eu"]
}

output "connections" {
  description = "Each connection's tenant, mode and status."
  value = {
    for k, t in {
      production = segura_azure_tenant.production
      platform   = segura_azure_tenant.platform
      } : k => {
      tenant_id        = t.id
      integration_mode = t.integration_mode
      status           = t.status
      connected_at     = t.connected_at
    }
  }
}
