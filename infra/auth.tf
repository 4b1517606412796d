# Cognito: the admin creates users (the Cognito console or `aws cognito-idp admin-create-user`;
# `make user` does it on the local stack only); they start in
# FORCE_CHANGE_PASSWORD and the web app answers the NEW_PASSWORD_REQUIRED challenge.
# The SPA's app client has no secret (a secret would break browser login: USER_PASSWORD_AUTH
# would need a SECRET_HASH the browser cannot hold).

resource "aws_cognito_user_pool" "main" {
  name                = "${var.name_prefix}-users"
  deletion_protection = var.deletion_protection ? "ACTIVE" : "INACTIVE"

  # Users sign in with a username; e-mail is an attribute for recovery.
  username_configuration {
    case_sensitive = false
  }
  auto_verified_attributes = ["email"]

  admin_create_user_config {
    allow_admin_create_user_only = !var.allow_self_signup
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 7
  }

  mfa_configuration = "OPTIONAL"
  software_token_mfa_configuration {
    enabled = true
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  schema {
    name                = "email"
    attribute_data_type = "String"
    required            = true
    mutable             = true
    string_attribute_constraints {
      min_length = 3
      max_length = 254
    }
  }
}

resource "aws_cognito_user_pool_client" "spa" {
  name         = "${var.name_prefix}-spa"
  user_pool_id = aws_cognito_user_pool.main.id

  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  # API Gateway checks a token's signature and expiry, not whether its session was revoked: a
  # token taken before sign-out works until it expires. 15 minutes bounds that; the page
  # refreshes ahead of expiry with the refresh token (frontend-static/js/auth.js), so users
  # never see it. docs/architecture.md, "Where the tokens live".
  access_token_validity  = 15
  id_token_validity      = 15
  refresh_token_validity = 30
  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  read_attributes  = ["email", "email_verified"]
  write_attributes = ["email"]
}
