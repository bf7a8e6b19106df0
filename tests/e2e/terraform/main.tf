# Seed configuration for the Cognate end-to-end test (driven by run.py): a user pool, an app client,
# an identity pool, the authenticated role with a managed policy, and the identity pool's role mapping,
# all against one Cognate endpoint. The provider talks to four services only (sts, iam, cognito-idp,
# cognito-identity); see CALLS.md for every call it makes.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "= 5.100.0"
    }
  }
}

variable "endpoint" {
  type        = string
  description = "Cognate's URL, e.g. http://127.0.0.1:9229/"
}

variable "access_key" {
  type      = string
  sensitive = true
}

variable "secret_key" {
  type      = string
  sensitive = true
}

variable "name" {
  type    = string
  default = "tf-seed"
}

provider "aws" {
  region     = "us-east-1"
  access_key = var.access_key
  secret_key = var.secret_key

  # Credentials are validated for real: the provider calls sts:GetCallerIdentity and takes the account
  # ID and partition from its answer.
  skip_credentials_validation = false
  skip_requesting_account_id  = false
  skip_region_validation      = true
  skip_metadata_api_check     = true

  endpoints {
    cognitoidp      = var.endpoint
    cognitoidentity = var.endpoint
    sts             = var.endpoint
    iam             = var.endpoint
  }
}

resource "aws_cognito_user_pool" "seed" {
  name                     = "${var.name}-pool"
  auto_verified_attributes = ["email"]

  password_policy {
    minimum_length                   = 8
    require_lowercase                = true
    require_numbers                  = true
    require_symbols                  = false
    require_uppercase                = true
    temporary_password_validity_days = 7
  }
}

resource "aws_cognito_user_pool_client" "seed" {
  name            = "${var.name}-client"
  user_pool_id    = aws_cognito_user_pool.seed.id
  generate_secret = false
  explicit_auth_flows = [
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
  ]
}

resource "aws_cognito_identity_pool" "seed" {
  identity_pool_name               = "${var.name}-identities"
  allow_unauthenticated_identities = false

  cognito_identity_providers {
    client_id               = aws_cognito_user_pool_client.seed.id
    provider_name           = "cognito-idp.us-east-1.amazonaws.com/${aws_cognito_user_pool.seed.id}"
    server_side_token_check = false
  }
}

resource "aws_iam_role" "authenticated" {
  name = "${var.name}-authenticated"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = "cognito-identity.amazonaws.com" }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "cognito-identity.amazonaws.com:aud" = aws_cognito_identity_pool.seed.id
        }
        "ForAnyValue:StringLike" = {
          "cognito-identity.amazonaws.com:amr" = "authenticated"
        }
      }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "authenticated_s3_read" {
  role       = aws_iam_role.authenticated.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}

resource "aws_cognito_identity_pool_roles_attachment" "seed" {
  identity_pool_id = aws_cognito_identity_pool.seed.id
  roles = {
    authenticated = aws_iam_role.authenticated.arn
  }
}

output "user_pool_id" {
  value = aws_cognito_user_pool.seed.id
}

output "client_id" {
  value = aws_cognito_user_pool_client.seed.id
}

output "identity_pool_id" {
  value = aws_cognito_identity_pool.seed.id
}

output "role_arn" {
  value = aws_iam_role.authenticated.arn
}
