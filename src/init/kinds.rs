//! Which component kind a source's words name: a Backstage `spec.type`, a Compose image.
//!
//! One table, so that both formats agree and the docs can list it: a word matches when it
//! equals an entry or starts with it followed by a separator (`postgresql`, `redis-cluster`,
//! `kafka-topic`).

use crate::model::ComponentKind as C;

/// Words and the kind they name, most specific first.
const WORDS: &[(&str, C)] = &[
    // data stores
    ("postgres", C::Database),
    ("postgresql", C::Database),
    ("mysql", C::Database),
    ("mariadb", C::Database),
    ("mongo", C::Database),
    ("mongodb", C::Database),
    ("cassandra", C::Database),
    ("cockroach", C::Database),
    ("cockroachdb", C::Database),
    ("mssql", C::Database),
    ("sqlserver", C::Database),
    ("oracle", C::Database),
    ("couchdb", C::Database),
    ("dynamodb", C::Database),
    ("elasticsearch", C::Database),
    ("opensearch", C::Database),
    ("clickhouse", C::Database),
    ("influxdb", C::Database),
    ("neo4j", C::Database),
    ("database", C::Database),
    ("db", C::Database),
    ("rds", C::Database),
    ("sql", C::Database),
    // caches
    ("redis", C::Cache),
    ("valkey", C::Cache),
    ("keydb", C::Cache),
    ("memcached", C::Cache),
    ("cache", C::Cache),
    ("varnish", C::Cache),
    // object stores
    ("s3", C::ObjectStore),
    ("bucket", C::ObjectStore),
    ("minio", C::ObjectStore),
    ("object-store", C::ObjectStore),
    ("object_store", C::ObjectStore),
    ("objectstore", C::ObjectStore),
    ("object-storage", C::ObjectStore),
    ("storage", C::ObjectStore),
    ("blob", C::ObjectStore),
    ("gcs", C::ObjectStore),
    // queues
    ("queue", C::Queue),
    ("kafka", C::Queue),
    ("redpanda", C::Queue),
    ("rabbitmq", C::Queue),
    ("nats", C::Queue),
    ("activemq", C::Queue),
    ("sqs", C::Queue),
    ("sns", C::Queue),
    ("pubsub", C::Queue),
    ("topic", C::Queue),
    ("message-broker", C::Queue),
    ("broker", C::Queue),
    ("event-bus", C::Queue),
    // DNS and CDN
    ("dns", C::Dns),
    ("coredns", C::Dns),
    ("bind", C::Dns),
    ("route53", C::Dns),
    ("cdn", C::Cdn),
    ("cloudfront", C::Cdn),
    ("fastly", C::Cdn),
    ("akamai", C::Cdn),
    // load balancers and proxies
    ("nginx", C::LoadBalancer),
    ("haproxy", C::LoadBalancer),
    ("traefik", C::LoadBalancer),
    ("envoy", C::LoadBalancer),
    ("caddy", C::LoadBalancer),
    ("load-balancer", C::LoadBalancer),
    ("load_balancer", C::LoadBalancer),
    ("loadbalancer", C::LoadBalancer),
    ("lb", C::LoadBalancer),
    ("alb", C::LoadBalancer),
    ("elb", C::LoadBalancer),
    ("ingress", C::LoadBalancer),
    ("gateway", C::LoadBalancer),
    ("proxy", C::LoadBalancer),
    // network
    ("network", C::Network),
    ("vpc", C::Network),
    ("vpn", C::Network),
    ("subnet", C::Network),
    ("firewall", C::Network),
    // cloud regions and zones
    ("region", C::Region),
    ("availability-zone", C::Zone),
    ("availability_zone", C::Zone),
    ("zone", C::Zone),
    ("az", C::Zone),
];

/// The kind `word` names, if the table knows it (case ignored).
pub(super) fn kind_of(word: &str) -> Option<C> {
    let w = word.to_ascii_lowercase();
    WORDS.iter().find(|(k, _)| w == *k).map(|x| x.1).or_else(|| {
        WORDS
            .iter()
            .find(|(k, _)| {
                w.strip_prefix(k)
                    .is_some_and(|rest| rest.starts_with(['-', '_', '.', ':', '/']) || rest.chars().all(|c| c.is_ascii_digit()))
            })
            .map(|x| x.1)
    })
}

/// The table, for docs and tests: each word with its kind's name.
pub fn table() -> impl Iterator<Item = (&'static str, &'static str)> {
    WORDS.iter().map(|(w, k)| (*w, k.name()))
}

/// Whether a component of this kind holds data worth a backup policy.
pub(super) fn holds_data(kind: C) -> bool {
    matches!(kind, C::Database | C::ObjectStore)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_with_suffixes_name_their_kind() {
        assert_eq!(kind_of("postgres"), Some(C::Database));
        assert_eq!(kind_of("PostgreSQL"), Some(C::Database));
        assert_eq!(kind_of("redis-cluster"), Some(C::Cache));
        assert_eq!(kind_of("mysql8"), Some(C::Database));
        assert_eq!(kind_of("kafka-topic"), Some(C::Queue));
        assert_eq!(kind_of("s3"), Some(C::ObjectStore));
        assert_eq!(kind_of("dbt"), None, "a prefix that is not followed by a separator is not a match");
        assert_eq!(kind_of("website"), None);
    }
}
