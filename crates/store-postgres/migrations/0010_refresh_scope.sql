-- The OAuth scopes a refresh token's sign-in was granted (hosted UI and /oauth2/token); NULL for
-- sign-ins through the API, whose tokens carry aws.cognito.signin.user.admin.
ALTER TABLE refresh_tokens ADD COLUMN scope TEXT;
