/**
 * Protecting remote hosts and ourselves: the failure cache ({@link org.postroom.hosthealth.FailureCache})
 * and per-IP connection tokens ({@link org.postroom.hosthealth.TokenLedger}), both owned by the single
 * {@link org.postroom.hosthealth.HostHealth} actor so their limits hold exactly.
 */
package org.postroom.hosthealth;
