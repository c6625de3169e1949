//! The start-up checks, before anything runs: which user classes
//! (the names on the command line, `--equal-weights`), the
//! `--config-users` settings, the hosts, the required custom options and the
//! `--web-login` credentials.
//!
//! They run in [`super::run`] once a loader has added its classes and before
//! the environment exists, so that a mistake in the command line ends the
//! process at once with Locust's message and exit code (a [`Fatal`]: 1, or
//! 255 for `--config-users`) instead of part-way into a test.

use std::sync::Arc;

use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::options::CustomOption;
use locusta_engine::runner::SeatedClass;
use locusta_engine::user::UserDefinition;
use locusta_web::Credentials;

use super::program::Fatal;
use crate::cli::Options;

/// The user name and password of `--web-login`, from `LOCUSTA_WEB_LOGIN`
/// (`user:password`; kept out of the command line, where other users of the
/// machine could read it).
pub(super) fn web_login(options: &Options) -> Result<Option<Credentials>, Fatal> {
    if !options.web_login {
        return Ok(None);
    }
    let value = std::env::var(WEB_LOGIN_ENV).unwrap_or_default();
    match value.split_once(':') {
        Some((username, password)) if !username.is_empty() && !password.is_empty() => {
            Ok(Some(Credentials {
                username: username.to_string(),
                password: password.to_string(),
            }))
        }
        _ => Err(Fatal::startup(format!(
            "--web-login needs the environment variable {WEB_LOGIN_ENV} set to 'username:password'"
        ))),
    }
}

/// Where `--web-login` reads its `username:password`.
const WEB_LOGIN_ENV: &str = "LOCUSTA_WEB_LOGIN";

/// Keeps the classes named on the command line (all when none are named).
pub(super) fn select_classes(
    options: &Options,
    classes: Vec<SeatedClass>,
) -> Result<Vec<SeatedClass>, Fatal> {
    if classes.is_empty() {
        return Err(Fatal::startup("No User class found!"));
    }
    let classes: Vec<SeatedClass> = if options.equal_weights {
        classes.iter().map(|c| c.with_weights(1.0, 0)).collect()
    } else {
        classes
    };
    if options.user_classes.is_empty() {
        return Ok(classes);
    }
    let unknown: Vec<&str> = options
        .user_classes
        .iter()
        .filter(|name| !classes.iter().any(|c| c.name() == name.as_str()))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = classes.iter().map(|c| c.name()).collect();
        return Err(Fatal::startup(format!(
            "Unknown User(s): {}\n (available: {})",
            unknown.join(", "),
            known.join(", ")
        )));
    }
    Ok(classes
        .into_iter()
        .filter(|c| options.user_classes.iter().any(|n| n == c.name()))
        .collect())
}

/// The `--config-users` settings, each naming a known class. Errors exit
/// with Locust's code for them (-1, that is 255).
pub(super) fn config_users(
    options: &Options,
    classes: &[Arc<dyn UserDefinition>],
) -> Result<Vec<UserClassSettings>, Fatal> {
    let Some(values) = &options.config_users else {
        return Ok(Vec::new());
    };
    let fatal = |message: String| Fatal { message, code: 255 };
    let settings =
        UserClassSettings::from_config_values(values).map_err(|e| fatal(e.to_string()))?;
    if let Some(unknown) = settings
        .iter()
        .find(|s| !classes.iter().any(|c| c.name() == s.user_class_name))
    {
        let known: Vec<&str> = classes.iter().map(|c| c.name()).collect();
        return Err(fatal(format!(
            "Error applying user config: there is no user class named {} (available: {})",
            unknown.user_class_name,
            known.join(", ")
        )));
    }
    Ok(settings)
}

/// The host a `--config-users` setting gives a class, if one does.
fn configured_host<'a>(settings: &'a [UserClassSettings], class: &str) -> Option<&'a str> {
    settings
        .iter()
        .rev()
        .filter(|s| s.user_class_name == class)
        .find_map(|s| s.host.as_deref())
        .filter(|host| !host.is_empty())
}

/// The hosts that are given must be valid URLs (in the web UI a missing host
/// can still be entered in the form). A `hostless` class's own host is
/// whatever its client takes (an MQTT broker's `localhost`): not checked;
/// nor is `--host` when every class is hostless (an FTP user's `-H
/// 127.0.0.1`).
pub(super) fn check_host_urls(
    options: &Options,
    classes: &[Arc<dyn UserDefinition>],
    hostless: &[String],
    settings: &[UserClassSettings],
) -> Result<(), Fatal> {
    let is_http = |name: &str| !hostless.iter().any(|h| h == name);
    let any_http = classes.iter().any(|c| is_http(c.name()));
    let hosts = options
        .host
        .iter()
        .filter(|_| any_http)
        .map(String::as_str)
        .chain(
            classes
                .iter()
                .filter(|c| is_http(c.name()))
                .filter_map(|c| c.host()),
        )
        .chain(
            settings
                .iter()
                .filter(|s| is_http(&s.user_class_name))
                .filter_map(|s| s.host.as_deref())
                .filter(|h| !h.is_empty()),
        );
    for host in hosts {
        locusta_http::check_host(host)
            .map_err(|error| Fatal::startup(format!("Invalid host '{host}': {error}")))?;
    }
    Ok(())
}

/// Every class needs a host (its own or `--host`), except the `hostless` ones,
/// and hosts must be valid URLs.
pub(super) fn check_hosts(
    options: &Options,
    classes: &[Arc<dyn UserDefinition>],
    hostless: &[String],
    settings: &[UserClassSettings],
) -> Result<(), Fatal> {
    check_host_urls(options, classes, hostless, settings)?;
    let needs_host = classes
        .iter()
        .filter(|class| !hostless.iter().any(|name| name == class.name()));
    for class in needs_host {
        if options.host.is_none()
            && class.host().is_none()
            && configured_host(settings, class.name()).is_none()
        {
            return Err(Fatal::startup(format!(
                "You must specify the base host. Either in the host attribute in the User class ({}), or on the command line using the --host option.",
                class.name()
            )));
        }
    }
    Ok(())
}

/// Without a form to fill in first (headless, or started at once), the
/// command line must give every required custom option.
pub(super) fn check_required_options(
    options: &Options,
    custom_options: &[CustomOption],
) -> Result<(), Fatal> {
    if let Some(missing) = custom_options
        .iter()
        .find(|o| o.required && !options.custom.contains_key(&o.name))
    {
        return Err(Fatal::startup(format!(
            "the option --{} is required (on the command line, in a configuration file{})",
            missing.name,
            missing
                .env
                .as_ref()
                .map(|e| format!(" or in {e}"))
                .unwrap_or_default()
        )));
    }
    Ok(())
}
