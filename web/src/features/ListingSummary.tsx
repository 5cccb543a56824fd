import type { EventFieldsFragment } from '../gql/graphql';

/**
 * A `property.update` payload as the demo catalog declares it (web/catalog.demo.json) and codegen types it:
 * `price` is a number, `status` one of the catalog's values. Not `unknown` JSON: nothing here parses.
 */
export type ListingUpdate = Extract<NonNullable<EventFieldsFragment['data']>, { __typename: 'PropertyUpdatePayload' }>;

const STATUS: Record<NonNullable<ListingUpdate['status']>, string> = {
  listed: 'Listed',
  under_offer: 'Under offer',
  sold: 'Sold',
};

// A fixed locale: the same digits for every viewer, and in tests.
const PRICE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const formatPrice = (price: number) => PRICE.format(price);

/** One line about a listing, from the typed fields of its event. */
export function ListingSummary({ listing }: { listing: ListingUpdate }) {
  return (
    <span className="listing" data-testid="listing">
      {listing.price !== null && <strong data-testid="price">{formatPrice(listing.price)}</strong>}
      {/* A server with another catalog may send other words: shown as they are. */}
      {listing.status && <span className="status">{STATUS[listing.status] ?? listing.status}</span>}
      {listing.address && <span>{listing.address}</span>}
    </span>
  );
}
