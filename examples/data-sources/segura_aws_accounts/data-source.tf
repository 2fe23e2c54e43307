# Every active connection tagged "prod", across all pages.
data "segura_aws_accounts" "prod" {
  status = "active"
  tags   = ["prod"]
}

output "prod_account_ids" {
  value = data.segura_aws_accounts.prod.accounts[*].id
}
