import {
  to = segura_azure_tenant.production
  identity = {
    tenant_id = "5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44"
  }
}
