//! Push notifications (A2A v0.3 §9, A2A v1.0 push notifications): waking a call that follows a non-streaming
//! task when the agent's webhook arrives, instead of waiting for the next poll.
//!
//! A call that sends a new task non-blocking to an agent whose card declares `pushNotifications` registers here
//! (`PushHub::register`) under a fresh call id, and sends the agent a push config with the URL
//! `{public_url}/a2a/push/{call id}` and the token HMAC-SHA256(key, call id). The HTTP server hands each webhook
//! to `PushHub::deliver` (the MCP side never sees A2A types): the token is checked in constant time, and a match
//! wakes the waiting call, which then asks the agent with one `tasks/get`: the body of a webhook is never taken
//! as the result, since anyone who can reach the URL could send one.
//!
//! Nothing here is needed for correctness: the call keeps polling (more slowly) while registered, so a webhook
//! that is lost, or that lands on another replica (which, without a shared `push_secret`, refuses its token;
//! with one, accepts it and wakes nothing), costs latency, never the result.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tokio::sync::Notify;

use crate::a2a::wire::PushConfig;
use crate::config::Secret;

/// Path under `public_url` where webhooks arrive; the call id follows.
pub const PUSH_PATH: &str = "/a2a/push";
/// The header the agent sends the token in (A2A v0.3 §9.5, A2A v1.0 push notifications; a2a-sdk's
/// `BasePushNotificationSender`).
pub const TOKEN_HEADER: &str = "x-a2a-notification-token";
/// Most calls registered at once; past it a call is followed by polling alone.
pub const MAX_WAITERS: usize = 4096;
/// Longest call id accepted in a webhook's path (ours are 36-character UUIDs).
const MAX_CALL_ID_LEN: usize = 64;

/// What became of one webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The token matched and a call here was waiting: it is woken.
    Woken,
    /// The token matched, but no call here waits on it (ended, or registered on another replica).
    NoWaiter,
    /// No token, or not one this bridge issued for that call id.
    Refused,
}

/// The calls waiting for push notifications, and the key of their tokens. One per bridge.
pub struct PushHub {
    /// `public_url` without a trailing slash; `None`: push notifications are off.
    base: Option<String>,
    key: Secret,
    /// Set once the HTTP server routes webhooks (over stdio nothing would receive them).
    serving: AtomicBool,
    waiters: Mutex<HashMap<String, Arc<Notify>>>,
}

impl PushHub {
    /// A hub for webhooks under `public_url` (`None`: off), with tokens keyed by `secret` or, without one, by a
    /// random key of this process.
    pub fn new(public_url: Option<&url::Url>, secret: Option<&Secret>) -> Arc<PushHub> {
        let key = match secret {
            Some(secret) => secret.clone(),
            // Two v4 UUIDs: 244 random bits from the OS generator.
            None => Secret::new(format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            )),
        };
        Arc::new(PushHub {
            base: public_url.map(|u| u.as_str().trim_end_matches('/').to_owned()),
            key,
            serving: AtomicBool::new(false),
            waiters: Mutex::new(HashMap::new()),
        })
    }

    /// Called by the HTTP server once the webhook route is served: from then on calls register.
    pub fn start_serving(&self) {
        if self.base.is_some() {
            self.serving.store(true, Ordering::SeqCst);
        }
    }

    /// Whether `public_url` is set and the webhook route is served.
    pub fn is_enabled(&self) -> bool {
        self.base.is_some() && self.serving.load(Ordering::SeqCst)
    }

    /// Registers one call: its push config for the agent, and what wakes it. `None` when push notifications
    /// are off or `MAX_WAITERS` calls are registered. The registration ends when the `PushWaiter` is dropped.
    pub fn register(self: &Arc<Self>) -> Option<PushWaiter> {
        if !self.is_enabled() {
            return None;
        }
        let base = self.base.as_deref()?;
        let call_id = uuid::Uuid::new_v4().to_string();
        let notify = Arc::new(Notify::new());
        {
            let mut waiters = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
            if waiters.len() >= MAX_WAITERS {
                tracing::debug!("too many calls waiting for push notifications; this one polls");
                return None;
            }
            waiters.insert(call_id.clone(), Arc::clone(&notify));
        }
        Some(PushWaiter {
            config: PushConfig {
                url: format!("{base}{PUSH_PATH}/{call_id}"),
                token: self.token(&call_id),
            },
            hub: Arc::clone(self),
            call_id,
            notify,
        })
    }

    /// Checks a webhook for `call_id` carrying `token` (the `X-A2A-Notification-Token` value, if any) and
    /// wakes the call it is for. The token is compared in constant time.
    pub fn deliver(&self, call_id: &str, token: Option<&[u8]>) -> Delivery {
        let Some(token) = token else {
            return Delivery::Refused;
        };
        if call_id.is_empty() || call_id.len() > MAX_CALL_ID_LEN {
            return Delivery::Refused;
        }
        let expected = self.token(call_id);
        if !bool::from(expected.as_bytes().ct_eq(token)) {
            return Delivery::Refused;
        }
        let waiter = self
            .waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(call_id)
            .cloned();
        match waiter {
            Some(notify) => {
                // Stores a permit when the call is not waiting right now (in a `tasks/get`), so no wake is lost.
                notify.notify_one();
                Delivery::Woken
            }
            None => Delivery::NoWaiter,
        }
    }

    /// Calls registered now.
    pub fn waiting(&self) -> usize {
        self.waiters.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// HMAC-SHA256(key, "a2a-push:" + call id), hex: what the agent must send back for that call.
    fn token(&self, call_id: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.key.expose().as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(b"a2a-push:");
        mac.update(call_id.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// One call's registration: the push config to send with its message, and the wake-up. Dropping it removes
/// the registration.
pub struct PushWaiter {
    /// For the send's `configuration` (`A2aClient::send_message_with_push`).
    pub config: PushConfig,
    hub: Arc<PushHub>,
    call_id: String,
    notify: Arc<Notify>,
}

impl PushWaiter {
    /// Returns when a webhook for this call passed the check (at once if one came since the last wake-up).
    pub async fn woken(&self) {
        self.notify.notified().await;
    }
}

impl Drop for PushWaiter {
    fn drop(&mut self) {
        self.hub
            .waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.call_id);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn hub(secret: Option<&str>) -> Arc<PushHub> {
        let url = url::Url::parse("https://bridge.example.com/base").unwrap();
        let secret = secret.map(Secret::new);
        let hub = PushHub::new(Some(&url), secret.as_ref());
        hub.start_serving();
        hub
    }

    fn call_id(waiter: &PushWaiter) -> String {
        waiter.config.url.rsplit('/').next().unwrap().to_owned()
    }

    #[test]
    fn off_without_a_public_url_or_before_serving() {
        let off = PushHub::new(None, None);
        off.start_serving();
        assert!(!off.is_enabled());
        assert!(off.register().is_none());
        let url = url::Url::parse("https://bridge.example.com").unwrap();
        let not_serving = PushHub::new(Some(&url), None);
        assert!(not_serving.register().is_none());
    }

    #[tokio::test]
    async fn a_matching_token_wakes_the_call_and_nothing_else_does() {
        let hub = hub(None);
        let waiter = hub.register().unwrap();
        assert!(
            waiter
                .config
                .url
                .starts_with("https://bridge.example.com/base/a2a/push/")
        );
        let id = call_id(&waiter);
        assert_eq!(hub.deliver(&id, None), Delivery::Refused);
        assert_eq!(hub.deliver(&id, Some(b"wrong")), Delivery::Refused);
        let other = hub.register().unwrap();
        assert_eq!(
            hub.deliver(&id, Some(other.config.token.as_bytes())),
            Delivery::Refused,
            "another call's token"
        );
        let woke = tokio::time::timeout(Duration::from_millis(50), waiter.woken()).await;
        assert!(woke.is_err(), "refused webhooks wake nothing");
        assert_eq!(
            hub.deliver(&id, Some(waiter.config.token.as_bytes())),
            Delivery::Woken
        );
        tokio::time::timeout(Duration::from_secs(1), waiter.woken())
            .await
            .expect("woken by the stored permit");
        assert_eq!(hub.waiting(), 2);
        let token = waiter.config.token.clone();
        drop(waiter);
        assert_eq!(hub.waiting(), 1);
        assert_eq!(hub.deliver(&id, Some(token.as_bytes())), Delivery::NoWaiter);
    }

    #[test]
    fn replicas_agree_only_with_a_shared_secret() {
        let a = hub(Some("shared-secret-0123456789"));
        let b = hub(Some("shared-secret-0123456789"));
        let waiter = a.register().unwrap();
        let token = waiter.config.token.as_bytes();
        assert_eq!(
            b.deliver(&call_id(&waiter), Some(token)),
            Delivery::NoWaiter
        );
        let c = hub(None);
        assert_eq!(c.deliver(&call_id(&waiter), Some(token)), Delivery::Refused);
    }

    #[test]
    fn registrations_are_bounded() {
        let hub = hub(None);
        let held: Vec<_> = (0..MAX_WAITERS).map(|_| hub.register().unwrap()).collect();
        assert!(hub.register().is_none());
        drop(held);
        assert_eq!(hub.waiting(), 0);
        assert!(hub.register().is_some());
    }
}
