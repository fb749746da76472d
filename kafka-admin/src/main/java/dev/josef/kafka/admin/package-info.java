/**
 * Josef's admin client: create, delete, list and describe topics, add
 * partitions, describe the cluster, list offsets, delete records, and describe
 * and alter configs. Start with {@link dev.josef.kafka.admin.Admin}.
 */
package dev.josef.kafka.admin;
