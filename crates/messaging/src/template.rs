//! Cognito's message templates: the `{####}` code placeholder and the `{username}` placeholder.

/// The code placeholder in Cognito templates.
pub const CODE_PLACEHOLDER: &str = "{####}";
/// The username placeholder in Cognito templates (invitations).
pub const USERNAME_PLACEHOLDER: &str = "{username}";

/// Renders a Cognito message template: replaces every `{####}` with `code` and every `{username}` with
/// `username`. A placeholder whose value is `None` is left as it is. Replacement is a single pass, so a
/// code or username that itself contains a placeholder is not expanded again.
pub fn render(template: &str, code: Option<&str>, username: Option<&str>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let (value, len) = if let (Some(code), true) = (code, tail.starts_with(CODE_PLACEHOLDER)) {
            (code, CODE_PLACEHOLDER.len())
        } else if let (Some(username), true) = (username, tail.starts_with(USERNAME_PLACEHOLDER)) {
            (username, USERNAME_PLACEHOLDER.len())
        } else {
            ("{", 1)
        };
        out.push_str(value);
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::render;

    #[test]
    fn replaces_code_and_username() {
        assert_eq!(render("Your code is {####}.", Some("123456"), None), "Your code is 123456.");
        assert_eq!(
            render("Hi {username}, your temporary password is {####}", Some("Tmp#1"), Some("alice")),
            "Hi alice, your temporary password is Tmp#1"
        );
    }

    #[test]
    fn replaces_every_occurrence() {
        assert_eq!(render("{####} {####} {username}{username}", Some("42"), Some("bob")), "42 42 bobbob");
    }

    #[test]
    fn leaves_placeholders_without_values() {
        assert_eq!(render("{username}: {####}", None, None), "{username}: {####}");
        assert_eq!(render("{username}: {####}", Some("1"), None), "{username}: 1");
        assert_eq!(render("no placeholders", Some("1"), Some("u")), "no placeholders");
        assert_eq!(render("{ {{####}} {#### {user", Some("7"), Some("u")), "{ {7} {#### {user");
    }

    #[test]
    fn values_are_not_expanded_again() {
        assert_eq!(render("{####}/{username}", Some("{username}"), Some("{####}")), "{username}/{####}");
        assert_eq!(render("héllo {username} ✓ {####}", Some("9"), Some("zoë")), "héllo zoë ✓ 9");
    }
}
