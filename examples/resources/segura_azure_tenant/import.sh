# Import a connection by the Directory (tenant) ID of its Azure tenant, in any letter case.
# The secret cannot be read back: keep it in configuration, and the next apply sends it in
# place (never a replacement).
terraform import segura_azure_tenant.production 5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44
