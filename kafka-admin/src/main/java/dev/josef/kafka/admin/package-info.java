/**
 * Josef's admin client: create, delete, list and describe topics, add
 * partitions, describe the cluster, list offsets, delete records, describe
 * and alter configs, and list, describe and delete groups, with their
 * committed offsets. Start with {@link dev.josef.kafka.admin.Admin}.
 */
package dev.josef.kafka.admin;
