/** MX resolution with dnsjava for outbound delivery ({@link org.postroom.dns.MxResolver}). */
package org.postroom.dns;
