//! Port of Locust's `locust/test/test_dispatch.py`, one module per test
//! class of that file, plus a few checks of behaviour it leaves implicit
//! ([`implicit_behaviour`]).
//!
//! Most of Locust's tests list the dispatcher's steps one by one; here those
//! steps are tables (one row per step: the expected pause, then the expected
//! map or counts) that [`helpers::run`] plays against a
//! [`UsersDispatcher`](locusta_engine::dispatch::UsersDispatcher). The rest
//! check properties over many steps or many configurations and stay code.
//!
//! Locust measures the sleeps around `next()`; here they become assertions on
//! `delay_before_next()`: zero where Locust expects an instantaneous step,
//! `step_delay()` where it expects one pause.

mod helpers;

mod add_worker;
mod distribution_is_respected_during_dispatch;
mod float_weights;
mod implicit_behaviour;
mod large_scale;
mod ramp_down_users_to_zero;
mod ramp_up_different_users;
mod ramp_up_then_down_then_up;
mod ramp_up_users_from_zero;
mod ramp_up_users_from_zero_with_fixed;
mod ramping_miscellaneous;
mod remove_worker;
mod same_users_as_the_target;
mod small_consecutive_ramping;
mod wait_between_dispatch;
