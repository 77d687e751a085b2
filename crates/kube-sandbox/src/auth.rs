//! Authentication: bearer tokens and client certificates map to a user and groups;
//! unknown or expired credentials get 401, as with kube-apiserver's anonymous access off.

use std::time::SystemTime;

/// Who a request comes from, after authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    /// Includes `system:authenticated`, as the real authenticator adds it.
    pub groups: Vec<String>,
}

/// How a user proves who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Token,
    ClientCertificate,
}

/// A user of one cluster and their secret material (never printed: see `Debug`).
#[derive(Clone)]
pub struct User {
    pub name: String,
    pub groups: Vec<String>,
    pub token: Option<String>,
    pub cert_der: Option<Vec<u8>>,
    pub cert_pem: Option<String>,
    pub key_pem: Option<String>,
    pub expires_at: Option<SystemTime>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

/// A random bearer token, like a ServiceAccount's, never logged.
pub fn new_token() -> String {
    format!("sandbox.{}", uuid::Uuid::new_v4().simple())
}

/// The user behind a request, or None for 401.
pub fn authenticate(
    users: &[User],
    authorization: Option<&str>,
    peer_cert: Option<&[u8]>,
    now: SystemTime,
) -> Option<Identity> {
    let user = match authorization.and_then(|h| h.strip_prefix("Bearer ")) {
        Some(token) => users
            .iter()
            .find(|u| u.token.as_deref() == Some(token.trim()))?,
        None => users
            .iter()
            .find(|u| u.cert_der.is_some() && u.cert_der.as_deref() == peer_cert)?,
    };
    if user.expires_at.is_some_and(|at| now >= at) {
        return None;
    }
    let mut groups = user.groups.clone();
    groups.push("system:authenticated".into());
    Some(Identity {
        user: user.name.clone(),
        groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn tokens_authenticate_until_they_expire() {
        let now = SystemTime::now();
        let user = User {
            name: "alice".into(),
            groups: vec!["devs".into()],
            token: Some("t1".into()),
            cert_der: None,
            cert_pem: None,
            key_pem: None,
            expires_at: Some(now + Duration::from_secs(60)),
        };
        let users = vec![user];
        let who = authenticate(&users, Some("Bearer t1"), None, now).unwrap();
        assert_eq!(who.groups, vec!["devs", "system:authenticated"]);
        assert!(authenticate(&users, Some("Bearer nope"), None, now).is_none());
        assert!(authenticate(&users, None, None, now).is_none());
        assert!(authenticate(
            &users,
            Some("Bearer t1"),
            None,
            now + Duration::from_secs(61)
        )
        .is_none());
        assert!(
            !format!("{:?}", users[0]).contains("t1"),
            "Debug never shows the token"
        );
    }
}
