package org.postroom.metrics.actors;

/**
 * Names of the actor metrics, in Micrometer's dotted form: Prometheus shows {@code postroom_actors_live},
 * {@code postroom_actors_started_total}, {@code postroom_actor_messages_total} and
 * {@code postroom_actor_mailbox_depth}, each with the label {@code actor}. Add, never rename.
 */
public final class ActorMetricNames {
    private ActorMetricNames() {
    }

    public static final String LIVE = "postroom.actors.live";
    public static final String STARTED = "postroom.actors.started";
    public static final String MESSAGES = "postroom.actor.messages";
    public static final String MAILBOX_DEPTH = "postroom.actor.mailbox.depth";
    public static final String ACTOR = "actor";
}
