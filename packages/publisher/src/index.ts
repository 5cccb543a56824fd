export { type Publisher, createPublisher } from './publisher.js';
export { PublishError, type Published, type PublisherEvent, type PublisherOptions } from './types.js';
