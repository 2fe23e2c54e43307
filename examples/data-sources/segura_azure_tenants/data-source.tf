# Every active connection tagged "prod", across all pages.
data "segura_azure_tenants" "prod" {
  status = "active"
  tags   = ["prod"]
}

output "prod_tenant_ids" {
  value = data.segura_azure_tenants.prod.tenants[*].id
}
